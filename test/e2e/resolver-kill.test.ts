import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Wallet } from "ethers";
import { findFreePort } from "../../era-test-node/ports";
import type { IngestedRecord } from "../../sdk/records";
import { ResolverError, accessRequestDigest, accessRequestFromBody, depositRecordKey, type HealthBody } from "../../sdk/resolver";
import { postAccess, signedAccessBody } from "../helpers/access-requests";
import { eventually } from "../helpers/eventually";
import { disclosuresInRange, registerLoadReaders, runReaderLoad, type LoadReader, type LoadRequest } from "../helpers/resolver-load";
import { resolverProcessEnv, spawnResolver, waitForHealth, type ResolverProcess } from "../helpers/resolver-process";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";

const BUNDLE = JSON.parse(readFileSync(path.resolve(__dirname, "..", "fixtures", "synthetic-patient-bundle.json"), "utf8"));

/** Readers (reader i holds READ on record i mod 3 only: two of three requests must be refused) and workers. */
const READERS = 8;
const CONCURRENCY = 16;
/** The first load is killed once this many keys were released (so the kill lands in a running load). */
const KILL_AFTER_RELEASES = 40;
/** Length of the load after the restart, in ms. */
const SECOND_LOAD_MS = 4_000;
/** The bound on recovery: from the kill to the first key released by the restarted process, in ms. */
const RECOVERY_BOUND_MS = 30_000;
/** How long the chain is watched after the last load for a late Disclosure, in ms (6 nonce checks of the resolver). */
const WATCH_MS = 3_000;
const NO_ANSWER = "RESOLVER_UNREACHABLE";
/** Block interval of the second run (interval mining), in ms. */
const BLOCK_MS = 1_000;

/**
 * Issue 15, the resolver under faults: `kill -9` of the resolver process (`resolver/main.ts`, as `npm run resolver`
 * runs it) while readers load it, then a restart on the same SQLite file with the same keys, on a real Hardhat node.
 * Requests in flight at the kill get no answer; what the test holds over the whole run is that no key left without
 * a mined Disclosure of exactly its request, that the only Disclosures without a release are of requests in flight
 * at the kill, and that the restart loses no wrap and no used nonce.
 */
describe("e2e: kill -9 of the resolver process mid-load, restart on the same database", function () {
  this.timeout(240_000);
  let stack: ResolverStack;
  let records: IngestedRecord[];
  let readers: LoadReader[];
  const running: ResolverProcess[] = [];

  before(async () => {
    stack = await startResolverStack();
    records = (await stack.ingest(BUNDLE)).slice(0, 3);
    expect(records.length).to.equal(3);
    readers = await registerLoadReaders(stack, READERS, (index) => [records[index % records.length].tokenId]);
  });
  after(async () => {
    for (const resolver of running) {
      if (resolver.child.exitCode === null && resolver.child.signalCode === null) resolver.child.kill("SIGKILL");
      await resolver.exited;
    }
    await stack?.stop();
  });

  /** One signed request of `reader` for `tokenId` posted to `url`, kept in `ledger` with its outcome. */
  async function request(url: string, reader: Wallet, tokenId: bigint, ledger: LoadRequest[]): Promise<{ entry: LoadRequest; body: unknown }> {
    const { body } = await signedAccessBody(stack, reader, tokenId);
    const entry: LoadRequest = { requestHash: accessRequestDigest(stack.domain, accessRequestFromBody(body)), tokenId, requester: reader.address, outcome: "pending" };
    ledger.push(entry);
    try {
      const released = await postAccess(stack, body, url);
      entry.outcome = released.disclosure.requestHash.toLowerCase() === entry.requestHash ? "released" : "wrong";
    } catch (error) {
      if (!(error instanceof ResolverError)) throw error;
      Object.assign(entry, { outcome: "refused", code: error.code });
    }
    return { entry, body };
  }

  async function health(url: string): Promise<{ status: number; body: HealthBody }> {
    const response = await fetch(`${url}/healthz`);
    return { status: response.status, body: (await response.json()) as HealthBody };
  }

  /** Whether a disclosure transaction of the resolver waits in the node's pool (sent, not mined). */
  async function transactionInPool(): Promise<boolean> {
    const [pending, latest] = await Promise.all(["pending", "latest"].map((tag) => stack.provider.getTransactionCount(stack.identity.address, tag)));
    return pending > latest;
  }

  /**
   * The scenario on a fresh database file `name`: a process loaded, killed, restarted on that file, loaded again;
   * every invariant asserted; the figures returned as a line for the log. With `killInPool`, the kill waits until a
   * disclosure transaction is in the pool (so that its Disclosures are mined after the kill, for requests that got
   * no answer).
   */
  async function killAndRestart(name: string, killInPool = false): Promise<string> {
    const allowed = new Map(readers.map((reader) => [reader.wallet.address, reader.allowed]));
    const readerOf = (tokenId: bigint) => readers.find((reader) => reader.allowed.has(tokenId))!.wallet;

    const port = await findFreePort("127.0.0.1");
    const url = `http://127.0.0.1:${port}`;
    const env = {
      ...resolverProcessEnv(stack, { databaseFile: path.join(stack.dir, name), port }),
      RESOLVER_RATE_PER_IP: "1000000",
      RESOLVER_RATE_PER_REQUESTER: "1000000",
      RESOLVER_RATE_HEALTH_PER_IP: "100000",
      RESOLVER_DISCLOSURE_NONCE_CHECK_MS: "500",
      RESOLVER_LOG_LEVEL: "warn",
    };
    const first = spawnResolver(env);
    running.push(first);
    await waitForHealth(url);
    for (const record of records) {
      const wrap = await stack.resolver.database.getWrap(record.tokenId, record.version);
      await depositRecordKey({ url, signer: stack.signers.writer, domain: stack.domain, tokenId: record.tokenId, version: record.version, wrappedKey: wrap! });
    }
    const fromBlock = (await stack.provider.getBlockNumber()) + 1;

    // A request answered before the kill, to be replayed after the restart.
    const answers: LoadRequest[] = [];
    const replay = await request(url, readerOf(records[0].tokenId), records[0].tokenId, answers);
    expect(replay.entry.outcome).to.equal("released");

    // 1. Load, killed once it runs.
    const beforeKill: LoadRequest[] = [];
    const stop = new AbortController();
    const firstLoad = runReaderLoad(stack, readers, records, { concurrency: CONCURRENCY, durationMs: 120_000, url, stop: stop.signal, ledger: beforeKill });
    const enough = () => beforeKill.filter((entry) => entry.outcome === "released").length >= KILL_AFTER_RELEASES;
    await eventually(async () => enough() && (!killInPool || (await transactionInPool())), 90_000, `${KILL_AFTER_RELEASES} releases before the kill`);
    stop.abort();
    const inFlight = beforeKill.filter((entry) => entry.outcome === "pending");
    first.child.kill("SIGKILL");
    expect(inFlight.length, "requests in flight at the kill").to.be.greaterThan(0);
    const killedAt = performance.now();
    const firstResult = await firstLoad;
    expect(await first.exited).to.deep.equal({ code: null, signal: "SIGKILL" });
    const resets = inFlight.filter((entry) => entry.outcome === "refused" && entry.code === NO_ANSWER).length;

    // 2. Restart on the same file and keys; the first release after it ends the recovery.
    const second = spawnResolver(env);
    running.push(second);
    let healthyMs = NaN;
    const healthy = waitForHealth(url, 90_000).then(
      () => (healthyMs = performance.now() - killedAt),
      (error: unknown) => error,
    );
    const probes: LoadRequest[] = [];
    const probe = async () => {
      const { entry } = await request(url, readerOf(records[1].tokenId), records[1].tokenId, probes);
      if (entry.outcome === "refused" && entry.code !== NO_ANSWER) throw new Error(`the restarted process refused a granted request: ${entry.code}`);
      return entry.outcome === "released";
    };
    await eventually(probe, 90_000, "a release after the restart");
    const recoveryMs = performance.now() - killedAt;
    const notHealthy = await healthy;
    if (notHealthy instanceof Error) throw notHealthy;

    // 3. Load again; every deposited record releases; the request answered before the kill is a replay.
    const afterRestart: LoadRequest[] = [];
    const secondResult = await runReaderLoad(stack, readers, records, { concurrency: CONCURRENCY, durationMs: SECOND_LOAD_MS, url, ledger: afterRestart });
    for (const record of records) expect((await request(url, readerOf(record.tokenId), record.tokenId, answers)).entry.outcome, `record #${record.tokenId} after the restart`).to.equal("released");
    let replayRefusal: unknown;
    await postAccess(stack, replay.body, url).catch((error: unknown) => (replayRefusal = error));
    expect(replayRefusal).to.be.instanceOf(ResolverError);
    expect({ code: (replayRefusal as ResolverError).code, status: (replayRefusal as ResolverError).status }).to.deep.equal({ code: "NONCE_REPLAYED", status: 409 });

    // 4. Nothing pending, and no Disclosure mined late (of a failed request) while the chain is watched.
    await eventually(async () => (await health(url)).body.disclosures.pendingTransactions === 0, 30_000, "no pending disclosure");
    const settled = (await disclosuresInRange(stack, fromBlock, await stack.provider.getBlockNumber())).length;
    const watchEnd = Date.now() + WATCH_MS;
    while (Date.now() < watchEnd) {
      await stack.provider.send("hardhat_mine", ["0x1"]);
      expect((await disclosuresInRange(stack, fromBlock, await stack.provider.getBlockNumber())).length, "a Disclosure mined after the last answer").to.equal(settled);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const end = await health(url);
    expect(end.status, JSON.stringify(end.body)).to.equal(200);
    expect(end.body.disclosures.nonceGap).to.equal(null);

    // The invariants, over every request and every Disclosure of the run.
    const everything = [...answers, ...beforeKill, ...probes, ...afterRestart];
    const disclosures = await disclosuresInRange(stack, fromBlock, await stack.provider.getBlockNumber());
    const disclosed = new Map<string, (typeof disclosures)[number]>();
    for (const disclosure of disclosures) {
      expect(disclosed.has(disclosure.requestHash), `two Disclosures of request ${disclosure.requestHash}`).to.equal(false);
      disclosed.set(disclosure.requestHash, disclosure);
      expect(allowed.get(disclosure.grantee)?.has(disclosure.tokenId), "a Disclosure without a grant").to.equal(true);
    }
    expect(everything.filter((entry) => entry.outcome === "wrong" || entry.outcome === "pending"), "wrong releases or unsettled requests").to.deep.equal([]);
    const released = everything.filter((entry) => entry.outcome === "released");
    for (const entry of released) {
      const disclosure = disclosed.get(entry.requestHash);
      expect(disclosure, `released without a Disclosure of request ${entry.requestHash}`).to.not.equal(undefined);
      expect({ tokenId: disclosure!.tokenId, grantee: disclosure!.grantee }).to.deep.equal({ tokenId: entry.tokenId, grantee: entry.requester });
      expect(allowed.get(entry.requester)!.has(entry.tokenId), "a release without a grant").to.equal(true);
    }
    const releasedHashes = new Set(released.map((entry) => entry.requestHash));
    const inFlightHashes = new Set(inFlight.filter((entry) => entry.outcome === "refused" && entry.code === NO_ANSWER).map((entry) => entry.requestHash));
    const withoutRelease = disclosures.filter((disclosure) => !releasedHashes.has(disclosure.requestHash));
    expect(disclosures.length - released.length).to.equal(withoutRelease.length);
    for (const disclosure of withoutRelease) expect(inFlightHashes.has(disclosure.requestHash), `a Disclosure of request ${disclosure.requestHash}, not in flight at the kill, without a release`).to.equal(true);
    expect(withoutRelease.length).to.be.at.most(inFlight.length);
    // ... and mined before the restarted process disclosed anything (it takes what the killed run left with no-ops).
    const firstAfterRestart = disclosed.get(probes.find((entry) => entry.outcome === "released")!.requestHash)!.blockNumber;
    for (const disclosure of withoutRelease) expect(disclosure.blockNumber, "a Disclosure of the killed run mined after the restart").to.be.below(firstAfterRestart);
    // Refusals: a reader without a grant is denied; no answer only for what was in flight at the kill (probes: below).
    for (const entry of [...beforeKill, ...afterRestart, ...answers]) {
      if (entry.outcome !== "refused") continue;
      if (entry.code === NO_ANSWER) expect(inFlightHashes.has(entry.requestHash), "no answer to a request not in flight at the kill").to.equal(true);
      else expect({ code: entry.code, allowed: allowed.get(entry.requester)!.has(entry.tokenId) }).to.deep.equal({ code: "ACCESS_DENIED", allowed: false });
    }
    expect(probes.filter((entry) => entry.outcome === "refused" && entry.code !== NO_ANSWER).map((entry) => entry.code), "refusals of the restarted process").to.deep.equal([]);
    expect(secondResult.wrongReleases + secondResult.wrongRefusals + firstResult.wrongReleases).to.equal(0);
    expect(new Set(afterRestart.filter((entry) => entry.outcome === "released").map((entry) => entry.tokenId))).to.deep.equal(new Set(records.map((record) => record.tokenId)));
    expect(disclosures.filter((disclosure) => disclosure.requestHash === replay.entry.requestHash)).to.have.length(1);
    expect(end.body.disclosures.disclosuresWithoutRelease, "the restarted process's own count").to.equal(0);

    expect(recoveryMs, `recovery (kill → first release after the restart) under ${RECOVERY_BOUND_MS} ms`).to.be.below(RECOVERY_BOUND_MS);
    return (
      `kill -9 after ${firstResult.released} releases: ${inFlight.length} requests in flight (${resets} unanswered); ` +
        `${withoutRelease.length} Disclosures without release; recovery ${Math.round(recoveryMs)} ms (healthz 200 after ${Math.round(healthyMs)} ms, ` +
        `${probes.length} probes); after it: ${secondResult.released} releases, ${secondResult.refused.ACCESS_DENIED ?? 0} denied in ${SECOND_LOAD_MS / 1000} s; ` +
        `${disclosures.length} Disclosures == ${released.length} releases + ${withoutRelease.length}`
    );
  }

  const title = `${READERS} readers load the process, it is killed (SIGKILL) mid-load and restarted: no release without its Disclosure, no lost wrap or nonce`;

  it(`${title} (automine)`, async () => {
    console.log(`      ${await killAndRestart("automine.sqlite")}`);
  });

  it(`${title} (${BLOCK_MS} ms blocks: disclosures pending in the pool at the kill)`, async () => {
    await stack.provider.send("evm_setAutomine", [false]);
    await stack.provider.send("evm_setIntervalMining", [BLOCK_MS]);
    try {
      console.log(`      ${await killAndRestart("interval.sqlite", true)}`);
    } finally {
      await stack.provider.send("evm_setIntervalMining", [0]);
      await stack.provider.send("evm_setAutomine", [true]);
    }
  });

  it("mining stopped at the kill and through the restart: the killed run's disclosures still in the pool are replaced by no-ops at start-up, and none is ever mined", async () => {
    const port = await findFreePort("127.0.0.1");
    const url = `http://127.0.0.1:${port}`;
    const env = { ...resolverProcessEnv(stack, { databaseFile: path.join(stack.dir, "stopped.sqlite"), port }), RESOLVER_DISCLOSURE_NONCE_CHECK_MS: "500", RESOLVER_LOG_LEVEL: "warn" };
    const first = spawnResolver(env);
    running.push(first);
    await waitForHealth(url);
    for (const record of records) {
      const wrap = await stack.resolver.database.getWrap(record.tokenId, record.version);
      await depositRecordKey({ url, signer: stack.signers.writer, domain: stack.domain, tokenId: record.tokenId, version: record.version, wrappedKey: wrap! });
    }
    const fromBlock = (await stack.provider.getBlockNumber()) + 1;
    const reader = readers[0];
    const [tokenId] = [...reader.allowed];
    const account = stack.identity.address.toLowerCase();
    const pooled = async () => ((await stack.provider.send("eth_pendingTransactions", [])) as { from: string; to: string; input: string; hash: string }[]).filter((tx) => tx.from.toLowerCase() === account);
    await stack.provider.send("evm_setAutomine", [false]);
    try {
      const ledger: LoadRequest[] = [];
      const asked = Array.from({ length: 6 }, () => request(url, reader.wallet, tokenId, ledger));
      await eventually(async () => (await pooled()).length > 0 && ledger.length === 6, 20_000, "the killed run's disclosures in the pool");
      await new Promise((resolve) => setTimeout(resolve, 300)); // the window's batches go out
      first.child.kill("SIGKILL");
      await first.exited;
      await Promise.all(asked);
      const stale = await pooled();
      expect(stale.every((tx) => tx.input !== "0x"), "disclosures in the pool at the kill").to.equal(true);

      const second = spawnResolver(env);
      running.push(second);
      await eventually(async () => (await fetch(`${url}/healthz`).then(() => true, () => false)), 60_000, "the restarted process listening");
      // Start-up took the earlier run's nonces: every disclosure of the killed run in the pool is now a no-op.
      await eventually(async () => {
        const now = await pooled();
        return now.length === stale.length && now.every((tx) => tx.to.toLowerCase() === account && tx.input === "0x");
      }, 20_000, "the killed run's disclosures replaced by no-ops");
      await stack.provider.send("evm_mine", []);
    } finally {
      await stack.provider.send("evm_setAutomine", [true]);
    }
    const released = await request(url, reader.wallet, tokenId, []);
    expect(released.entry.outcome, "a release after the restart").to.equal("released");
    const disclosures = await disclosuresInRange(stack, fromBlock, await stack.provider.getBlockNumber());
    expect(disclosures.map((d) => d.requestHash), "only the release after the restart is disclosed").to.deep.equal([released.entry.requestHash]);
  });
});
