import { expect } from "chai";
import path from "node:path";
import { readFileSync } from "node:fs";
import type { Wallet } from "ethers";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { postAccess, rawRequest, signedAccessBody } from "../helpers/access-requests";
import { disclosuresByRequest, releaseLoop } from "../helpers/release-loop";
import type { IngestedRecord } from "../../sdk/records";
import { depositRecordKey, type HealthBody } from "../../sdk/resolver";
import { ResolverDatabaseInUseError } from "../../resolver/database";
import { DisclosureKeyInUseError } from "../../resolver/disclosures/key-in-use";
import { KEY_SHARED_CHECK } from "../../resolver/disclosures/health";
import type { RunningResolver } from "../../resolver/server";

const BUNDLE = JSON.parse(readFileSync(path.resolve(__dirname, "..", "fixtures", "synthetic-patient-bundle.json"), "utf8"));

/** Longest the test waits for a copy's `/healthz` to name the shared key once both copies send, in ms. */
const DETECTION_BOUND_MS = 30_000;

/**
 * Issue 15, failure 5: several copies of one resolver (one key, one database) failed 38–43 % of allowed requests
 * (nonce clashes, SQLITE_BUSY). A second copy is refused: on the same database file always (SQLite's exclusive
 * lock), on the same disclosure key when the other copy has transactions pending at start-up; a copy that got past
 * that (the other was idle) is named by `/healthz` (`disclosure-key-shared`) at the first clash, and the clash
 * never releases a key without its Disclosure.
 */
describe("e2e: a second copy of one resolver (same database, same disclosure key)", function () {
  this.timeout(180_000);
  let stack: ResolverStack;
  let record: IngestedRecord;
  const rpc = (method: string, params: unknown[] = []) => stack.provider.send(method, params);

  before(async () => {
    stack = await startResolverStack({ limits: { perRequesterPerMinute: 1_000_000 } });
    [record] = await stack.ingest(BUNDLE);
    await stack.grantRead(stack.signers.reader.address, record.tokenId);
    await stack.grantRead(stack.signers.stranger.address, record.tokenId);
  });
  after(async () => {
    await rpc("evm_setAutomine", [true]).catch(() => undefined);
    await stack?.stop();
  });

  /** One signed key release of `record`, posted to `url`: whether the key was released. */
  const release = async (reader: Wallet, url: string): Promise<{ ok: boolean }> => {
    const { body } = await signedAccessBody(stack, reader, record.tokenId);
    return postAccess(stack, body, url).then(
      () => ({ ok: true }),
      () => ({ ok: false }),
    );
  };
  const health = async (resolver: RunningResolver) => {
    const answer = await rawRequest(`${resolver.url}/healthz`, { method: "GET" });
    return { status: answer.status, body: answer.body as HealthBody };
  };

  it("attack: a second copy on the same database file is refused at start-up, naming the file; the first goes on", async () => {
    const error = await stack.startAnotherResolver({ databaseFile: stack.config.databaseFile }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ResolverDatabaseInUseError);
    expect((error as Error).message).to.include(path.resolve(stack.config.databaseFile)).and.include("another process");
    expect((await release(stack.signers.reader, stack.resolver.url)).ok).to.equal(true);
  });

  it("attack: a second copy on the same disclosure key (its own database) is refused while the first has disclosures pending", async () => {
    await rpc("evm_setAutomine", [false]);
    try {
      const inFlight = release(stack.signers.reader, stack.resolver.url);
      const account = stack.identity.address.toLowerCase();
      for (const end = Date.now() + 10_000; ; ) {
        const pending = (await rpc("eth_pendingTransactions")) as { from: string }[];
        if (pending.some((tx) => tx.from.toLowerCase() === account)) break;
        if (Date.now() > end) throw new Error("the first copy's disclosure never reached the pool");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const error = await stack.startAnotherResolver({ databaseFile: path.join(stack.dir, "copy-pending.sqlite") }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(DisclosureKeyInUseError);
      expect((error as Error).message).to.include(stack.identity.address).and.include("in use by another process").and.include("RESOLVER_DB");
      await rpc("evm_mine");
      expect(await inFlight).to.deep.include({ ok: true }); // the first copy's release completes
    } finally {
      await rpc("evm_setAutomine", [true]);
    }
  });

  it("a copy that started while the first was idle: at the first clash /healthz names disclosure-key-shared; every release has its Disclosure, every other Disclosure is counted", async () => {
    const fromBlock = Number(await rpc("eth_blockNumber")) + 1; // asked now (ethers caches the head); after the last test's blocks
    const copy = await stack.startAnotherResolver({ databaseFile: path.join(stack.dir, "copy-idle.sqlite") });
    const wrap = await stack.resolver.database.getWrap(record.tokenId, record.version);
    await depositRecordKey({ url: copy.url, signer: stack.signers.writer, domain: stack.domain, tokenId: record.tokenId, version: record.version, wrappedKey: wrap! });
    expect((await health(copy)).status).to.equal(200);

    const readers = [stack.signers.reader, stack.signers.stranger];
    const loops = [stack.resolver.url, copy.url].map((url) => releaseLoop(stack, { readers, workers: 4, tokenId: record.tokenId, url, backoffMs: 0 }));
    const started = Date.now();
    let named: { resolver: string; body: HealthBody } | undefined;
    try {
      while (!named && Date.now() - started < DETECTION_BOUND_MS) {
        for (const [name, resolver] of [["first", stack.resolver], ["copy", copy]] as const) {
          const { status, body } = await health(resolver);
          if (status === 503 && body.failing.includes(KEY_SHARED_CHECK)) named ??= { resolver: name, body };
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    } finally {
      await Promise.all(loops.map((loop) => loop.stop()));
    }
    const answers = loops.flatMap((loop) => loop.answers);
    expect(named, `no /healthz named ${KEY_SHARED_CHECK} within ${DETECTION_BOUND_MS} ms`).to.not.equal(undefined);
    expect(named!.body.disclosures.foreignSender!.nonces).to.be.greaterThan(0);
    expect(stack.logs.some((line) => line.includes("another process sends with the disclosure key"))).to.equal(true);

    // The clash costs availability, never the promise: a release only with its own Disclosure, and a Disclosure
    // without a release only as the copies count it.
    const { counts: disclosed, total: disclosures } = await disclosuresByRequest(stack, record.tokenId, fromBlock);
    const released = answers.filter((answer) => answer.ok);
    for (const answer of released) expect(disclosed.has(answer.requestHash), "a release without its Disclosure").to.equal(true);
    const refusedCodes = new Set(answers.filter((answer) => !answer.ok).map((answer) => answer.code));
    for (const code of refusedCodes) expect(["DISCLOSURE_FAILED", "CHAIN_UNAVAILABLE"]).to.include(code);
    const withoutRelease = (await health(stack.resolver)).body.disclosures.disclosuresWithoutRelease;
    const copyWithoutRelease = (await health(copy)).body.disclosures.disclosuresWithoutRelease;
    expect(disclosures).to.equal(released.length + withoutRelease + copyWithoutRelease);
    console.log(
      `      ${answers.length} requests on two copies of one key: ${released.length} released, ${answers.length - released.length} refused (${[...refusedCodes].join(", ") || "none"}); ` +
        `${disclosures} Disclosures; named by the ${named!.resolver} after ${Date.now() - started} ms at most`,
    );
  });
});
