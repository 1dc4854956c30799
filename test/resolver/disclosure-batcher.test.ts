import { expect } from "chai";
import fc from "fast-check";
import { Interface, Wallet, getAddress, hexlify, randomBytes, type Log } from "ethers";
import { ConsentManager__factory } from "../../sdk/chain/contracts";
import { createDisclosureBatcher, type BatchChain, type BatcherLimits, type MinedBatch } from "../../resolver/disclosures/batcher";
import { matchDisclosures, type DisclosureEntry } from "../../resolver/disclosures/match";
import { ReceiptTimeoutError } from "../../resolver/disclosures/receipts";
import { ResolverHttpError } from "../../resolver/errors";
import { Purpose } from "../../sdk/vocabulary";

const IFACE: Interface = ConsentManager__factory.createInterface();
const CONSENT_MANAGER = getAddress(Wallet.createRandom().address);
const RESOLVER = getAddress(Wallet.createRandom().address);
const PATIENT = getAddress(Wallet.createRandom().address);

const entry = (tokenId = 7n): DisclosureEntry => ({ tokenId, grantee: Wallet.createRandom().address, purpose: Purpose.TREATMENT, requestHash: hexlify(randomBytes(32)) });

/** A `Disclosure` log of `entry` as ConsentManager emits it (from `address`, naming `resolver`). */
function disclosureLog(e: DisclosureEntry, index: number, address = CONSENT_MANAGER, resolver = RESOLVER): Log {
  const { topics, data } = IFACE.encodeEventLog("Disclosure", [e.tokenId, PATIENT, e.grantee, e.purpose, resolver, false, e.requestHash]);
  return { address, topics, data, index, blockNumber: 5, transactionHash: "0x" + "aa".repeat(32) } as unknown as Log;
}
function refusedLog(e: DisclosureEntry, reason: number, index: number): Log {
  const { topics, data } = IFACE.encodeEventLog("DisclosureRefused", [e.requestHash, e.tokenId, e.grantee, reason]);
  return { address: CONSENT_MANAGER, topics, data, index, blockNumber: 5, transactionHash: "0x" + "aa".repeat(32) } as unknown as Log;
}

/**
 * A stand-in chain that records every batch sent and mines it when the test says so, with the logs the test
 * gives (default: one Disclosure per entry, as the contract emits for allowed entries).
 */
function fakeChain() {
  const sent: { entries: readonly DisclosureEntry[]; hash: string; mine(result?: Partial<MinedBatch> | Error): void }[] = [];
  let sendFailure: Error | undefined;
  const chain: BatchChain = {
    async send(entries) {
      if (sendFailure) throw sendFailure;
      const hash = hexlify(randomBytes(32));
      let mine!: (result?: Partial<MinedBatch> | Error) => void;
      const mined = new Promise<MinedBatch>((resolve, reject) => {
        mine = (result) => {
          if (result instanceof Error) return reject(result);
          resolve({ hash, blockNumber: 5, status: 1, logs: entries.map((e, i) => disclosureLog(e, i)), ...result });
        };
      });
      waits.set(hash, mined);
      sent.push({ entries, hash, mine });
      return { hash, nonce: sent.length - 1, replaced: new Promise<string>(() => undefined) };
    },
    wait: (hashes, timeoutMs) =>
      Promise.race([
        waits.get(hashes[0])!,
        new Promise<never>((_, reject) => setTimeout(() => reject(new ReceiptTimeoutError(hashes[0], timeoutMs)), timeoutMs)),
      ]),
    cancel: async () => {
      cancels++;
      return undefined;
    },
    settle: () => undefined,
    nonceMined: async () => false,
    verdicts: (logs, entries) => matchDisclosures(logs, IFACE, CONSENT_MANAGER, RESOLVER, entries),
  };
  const waits = new Map<string, Promise<MinedBatch>>();
  let cancels = 0;
  return { chain, sent, failSends: (error: Error) => (sendFailure = error), cancels: () => cancels };
}

const LIMITS: BatcherLimits = { windowMs: 5, pipelineWindowMs: 40, maxBatch: 100, maxInFlight: 4, maxPending: 1000, timeoutMs: 1000 };
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const settled = <T>(promise: Promise<T>) => {
  const state: { done: boolean; value?: T; error?: unknown } = { done: false };
  promise.then((value) => Object.assign(state, { done: true, value }), (error) => Object.assign(state, { done: true, error }));
  return state;
};

describe("resolver disclosure batcher", () => {
  it("N concurrent releases go into one transaction and each gets its own Disclosure (by request hash)", async () => {
    const { chain, sent } = fakeChain();
    const batcher = createDisclosureBatcher(chain, LIMITS);
    const entries = Array.from({ length: 50 }, () => entry());
    const releases = entries.map((e) => batcher.disclose(e));
    await tick(20);
    expect(sent).to.have.length(1);
    expect(sent[0].entries.map((e) => e.requestHash)).to.deep.equal(entries.map((e) => e.requestHash));
    sent[0].mine();
    const receipts = await Promise.all(releases);
    expect(receipts.map((r) => r.requestHash)).to.deep.equal(entries.map((e) => e.requestHash));
    expect(new Set(receipts.map((r) => r.logIndex)).size).to.equal(50);
    expect(new Set(receipts.map((r) => r.transactionHash))).to.deep.equal(new Set([sent[0].hash]));
  });

  it("chunks a window into batches of at most maxBatch entries", async () => {
    const { chain, sent } = fakeChain();
    const batcher = createDisclosureBatcher(chain, { ...LIMITS, maxBatch: 8 });
    const entries = Array.from({ length: 20 }, () => entry());
    const releases = entries.map((e) => batcher.disclose(e));
    expect(sent.map((batch) => batch.entries.length), "full batches go at once").to.deep.equal([8, 8]);
    await tick(80);
    expect(sent.map((batch) => batch.entries.length), "the rest after the pipeline window").to.deep.equal([8, 8, 4]);
    for (const batch of sent) batch.mine();
    expect(await Promise.all(releases)).to.have.length(20);
  });

  it("never releases before the receipt: nothing resolves while the batch is unmined", async () => {
    const { chain, sent } = fakeChain();
    const batcher = createDisclosureBatcher(chain, LIMITS);
    const release = settled(batcher.disclose(entry()));
    await tick(100);
    expect(sent).to.have.length(1);
    expect(release.done).to.equal(false);
    sent[0].mine();
    await tick(1);
    expect(release.done && release.error === undefined).to.equal(true);
  });

  it("while a batch is pending the next window collects (pipelined, bounded in flight)", async () => {
    const { chain, sent } = fakeChain();
    // A budget far beyond the test's 860 ms of waits: on a loaded machine the first batch would otherwise be given up
    // (its slot freed) before the third window is due, and the third sent early.
    const batcher = createDisclosureBatcher(chain, { ...LIMITS, pipelineWindowMs: 300, maxInFlight: 2, timeoutMs: 10_000 });
    const first = batcher.disclose(entry());
    await tick(30);
    expect(sent).to.have.length(1);
    const nextEntries = Array.from({ length: 10 }, () => entry());
    const next = nextEntries.map((e) => batcher.disclose(e));
    await tick(30);
    expect(sent, "collecting for the pipeline window while one is pending").to.have.length(1);
    await tick(400);
    expect(sent).to.have.length(2);
    expect(sent[1].entries).to.have.length(10);
    const thirdEntries = Array.from({ length: 3 }, () => entry());
    const third = thirdEntries.map((e) => batcher.disclose(e));
    await tick(400);
    expect(sent, "two in flight: the third waits for a receipt").to.have.length(2);
    sent[0].mine();
    await tick(50);
    expect(sent, "a receipt frees a slot: sent after the short window").to.have.length(3);
    sent[1].mine();
    sent[2].mine();
    await Promise.all([first, ...next, ...third]);
  });

  it("a revocation mined in between refuses only its own request (403, 410); the others of the batch are released", async () => {
    const { chain, sent } = fakeChain();
    const batcher = createDisclosureBatcher(chain, LIMITS);
    const [a, revoked, b, erased] = [entry(), entry(), entry(), entry()];
    const releases = [a, revoked, b, erased].map((e) => settled(batcher.disclose(e))); // built before: one window
    await tick(20);
    sent[0].mine({ logs: [disclosureLog(a, 0), refusedLog(revoked, 2, 1), disclosureLog(b, 2), refusedLog(erased, 1, 3)] });
    await tick(1);
    expect(releases[0].value?.requestHash).to.equal(a.requestHash);
    expect(releases[2].value?.requestHash).to.equal(b.requestHash);
    expect((releases[1].error as ResolverHttpError).code).to.equal("ACCESS_DENIED");
    expect((releases[1].error as ResolverHttpError).status).to.equal(403);
    expect((releases[3].error as ResolverHttpError).code).to.equal("RECORD_ERASED");
    expect((releases[3].error as ResolverHttpError).status).to.equal(410);
  });

  it("a batch that reverts, is not sent, or is not mined in time releases nothing: DISCLOSURE_FAILED for all its requests", async () => {
    for (const outcome of ["reverted", "not-sent", "timed-out"] as const) {
      const { chain, sent, failSends } = fakeChain();
      if (outcome === "not-sent") failSends(Object.assign(new Error("insufficient funds"), { code: "INSUFFICIENT_FUNDS" }));
      const batcher = createDisclosureBatcher(chain, LIMITS);
      const entries = Array.from({ length: 5 }, () => entry());
      const releases = entries.map((e) => settled(batcher.disclose(e)));
      await tick(20);
      if (outcome === "reverted") sent[0].mine({ status: 0 });
      if (outcome === "timed-out") sent[0].mine(new ReceiptTimeoutError(sent[0].hash, 1000));
      await tick(1);
      for (const release of releases) {
        expect(release.done, outcome).to.equal(true);
        expect((release.error as ResolverHttpError).code, outcome).to.equal("DISCLOSURE_FAILED");
      }
    }
  });

  it("beyond maxPending, a release is refused at once (503) and nothing is sent for it", async () => {
    const { chain, sent } = fakeChain();
    const batcher = createDisclosureBatcher(chain, { ...LIMITS, maxPending: 2 });
    const [a, b, c] = [entry(), entry(), entry()];
    const kept = [batcher.disclose(a), batcher.disclose(b)];
    const error = await batcher.disclose(c).catch((e: ResolverHttpError) => e);
    expect((error as ResolverHttpError).code).to.equal("CHAIN_UNAVAILABLE");
    await tick(20);
    expect(sent[0].entries).to.have.length(2);
    sent[0].mine();
    await Promise.all(kept);
  });

  it("close() sends what is collecting and waits for the batches in flight", async () => {
    const { chain, sent } = fakeChain();
    const batcher = createDisclosureBatcher(chain, { ...LIMITS, windowMs: 10_000 });
    const release = batcher.disclose(entry());
    const closing = batcher.close();
    await tick(1);
    expect(sent).to.have.length(1);
    sent[0].mine();
    await closing;
    await release;
  });
});

/**
 * A chain that never mines on its own: `wait` resolves only when the test mines one of the waited hashes, times out
 * otherwise; every call is written to `events` in order (send, cancel, answers), to check what came before what.
 */
function stuckChain() {
  const events: string[] = [];
  const waiters: { hashes: readonly string[]; resolve(batch: MinedBatch): void }[] = [];
  let sends = 0;
  const entriesOf = new Map<string, readonly DisclosureEntry[]>();
  const chain: BatchChain = {
    async send(entries) {
      const hash = `0xd${sends}`;
      entriesOf.set(hash, entries);
      events.push(`send ${hash}`);
      return { hash, nonce: sends++, replaced: new Promise<string>(() => undefined) };
    },
    wait: (hashes, timeoutMs) =>
      new Promise<MinedBatch>((resolve, reject) => {
        waiters.push({ hashes, resolve });
        setTimeout(() => reject(new ReceiptTimeoutError(hashes[0], timeoutMs)), timeoutMs);
      }),
    async cancel(sent) {
      events.push(`cancel ${sent.hash}`);
      return `0xc${sent.nonce}`;
    },
    settle: () => undefined,
    nonceMined: async () => false,
    verdicts: (logs, entries) => matchDisclosures(logs, IFACE, CONSENT_MANAGER, RESOLVER, entries),
  };
  const mine = (hash: string) => {
    const disclosure = entriesOf.get(hash);
    for (const waiter of waiters.splice(0)) {
      if (waiter.hashes.includes(hash)) waiter.resolve({ hash, blockNumber: 9, status: 1, logs: (disclosure ?? []).map((e, i) => disclosureLog(e, i)) });
    }
  };
  return { chain, events, mine };
}

describe("resolver disclosure batcher: a batch that is not mined is given up before its requests are refused", () => {
  it("budget spent: within the budget, the batch is cancelled (a no-op at its nonce) first, then its requests get DISCLOSURE_FAILED", async () => {
    const { chain, events } = stuckChain();
    const batcher = createDisclosureBatcher(chain, { ...LIMITS, timeoutMs: 400 });
    const started = performance.now();
    const release = batcher.disclose(entry()).then(
      () => events.push("released"),
      (error: ResolverHttpError) => events.push(`refused ${error.code}`),
    );
    await release;
    expect(events).to.deep.equal(["send 0xd0", "cancel 0xd0", "refused DISCLOSURE_FAILED"]);
    expect(performance.now() - started, "answered within the budget (it stays under the client's timeout)").to.be.lessThan(400 + 60);
  });

  it("a disclosure mined during the grace after its cancel is still released (from its own receipt)", async () => {
    const { chain, events, mine } = stuckChain();
    const batcher = createDisclosureBatcher(chain, { ...LIMITS, timeoutMs: 800 });
    const release = settled(batcher.disclose(entry()));
    while (!events.includes("cancel 0xd0")) await tick(10);
    mine("0xd0");
    await tick(5);
    expect(release.error).to.equal(undefined);
    expect(release.value?.transactionHash).to.equal("0xd0");
  });

  it("the no-op mined instead: DISCLOSURE_FAILED at once, and the counter of Disclosures without release stays 0", async () => {
    const { chain, events, mine } = stuckChain();
    const batcher = createDisclosureBatcher(chain, { ...LIMITS, timeoutMs: 800 });
    const release = settled(batcher.disclose(entry()));
    while (!events.includes("cancel 0xd0")) await tick(10);
    mine("0xc0");
    await tick(5);
    expect((release.error as ResolverHttpError).code).to.equal("DISCLOSURE_FAILED");
    expect(batcher.disclosuresWithoutRelease()).to.equal(0);
  });

  it("a batch answered with a failure and mined later anyway is counted as Disclosures without release", async () => {
    const { chain, events, mine } = stuckChain();
    const batcher = createDisclosureBatcher(chain, { ...LIMITS, timeoutMs: 200 });
    const entries = [entry(), entry()];
    const releases = entries.map((e) => settled(batcher.disclose(e)));
    while (!releases.every((r) => r.done)) await tick(10);
    expect(events.at(-1)).to.equal("cancel 0xd0");
    mine("0xd0"); // e.g. the no-op was dropped and someone sent the disclosure's bytes again
    await tick(5);
    expect(batcher.disclosuresWithoutRelease()).to.equal(2);
  });

  it("the count of Disclosures without release starts from its saved tally and saves each new total", async () => {
    const { chain, events, mine } = stuckChain();
    const saved: number[] = [];
    const batcher = createDisclosureBatcher(chain, { ...LIMITS, timeoutMs: 200 }, undefined, { initial: 5, save: (total) => saved.push(total) });
    expect(batcher.disclosuresWithoutRelease()).to.equal(5);
    const releases = [entry(), entry()].map((e) => settled(batcher.disclose(e)));
    while (!releases.every((r) => r.done)) await tick(10);
    expect(events.at(-1)).to.equal("cancel 0xd0");
    mine("0xd0");
    await tick(5);
    expect(batcher.disclosuresWithoutRelease()).to.equal(7);
    expect(saved).to.deep.equal([7]);
  });

  it("a refused batch whose nonce a later no-op took (a hash not waited for) is settled without counting anything", async () => {
    const { chain, events } = stuckChain();
    let settledNonce: number | undefined;
    let minedNonce = false;
    const watched = { ...chain, nonceMined: async () => minedNonce, settle: (sent: { nonce: number }) => (settledNonce = sent.nonce) };
    const batcher = createDisclosureBatcher(watched, { ...LIMITS, timeoutMs: 200 });
    const release = settled(batcher.disclose(entry()));
    while (!release.done) await tick(10);
    expect(events.at(-1)).to.equal("cancel 0xd0");
    minedNonce = true; // e.g. a repair's second no-op, at higher fees, was mined
    for (let i = 0; i < 60 && settledNonce === undefined; i++) await tick(100);
    expect(settledNonce, "settled once the nonce is mined").to.equal(0);
    expect(batcher.disclosuresWithoutRelease()).to.equal(0);
  });

  it("close is bounded while the chain mines nothing: the waiting releases get 503 SHUTTING_DOWN after their batch is cancelled", async () => {
    const { chain, events } = stuckChain();
    const batcher = createDisclosureBatcher(chain, { ...LIMITS, timeoutMs: 60_000, closeWaitMs: 200 });
    const releases = [entry(), entry()].map((e) => settled(batcher.disclose(e)));
    await tick(20);
    const started = performance.now();
    await batcher.close();
    const ms = performance.now() - started;
    expect(ms).to.be.lessThan(1_600);
    for (const release of releases) {
      expect((release.error as ResolverHttpError).code).to.equal("SHUTTING_DOWN");
      expect((release.error as ResolverHttpError).status).to.equal(503);
    }
    expect(events).to.include("cancel 0xd0");
    const late = await batcher.disclose(entry()).catch((error: ResolverHttpError) => error);
    expect((late as ResolverHttpError).code, "refused after close").to.equal("SHUTTING_DOWN");
  });
});

describe("resolver disclosure receipts: matching a batch's logs to its requests", () => {
  it("a forged or replayed request hash gets no release: only a Disclosure of this contract, this resolver and this very request counts", () => {
    const mine = entry();
    const other = entry();
    const cases: [string, Log[]][] = [
      ["no log at all", []],
      ["another request's Disclosure", [disclosureLog(other, 0)]],
      ["the right hash from another contract", [disclosureLog(mine, 0, getAddress(Wallet.createRandom().address))]],
      ["the right hash naming another resolver", [disclosureLog(mine, 0, CONSENT_MANAGER, getAddress(Wallet.createRandom().address))]],
      ["the right hash for another grantee", [disclosureLog({ ...mine, grantee: other.grantee }, 0)]],
      ["the right hash for another token", [disclosureLog({ ...mine, tokenId: mine.tokenId + 1n }, 0)]],
    ];
    for (const [name, logs] of cases) {
      const [verdict] = matchDisclosures(logs, IFACE, CONSENT_MANAGER, RESOLVER, [mine]);
      expect(verdict.disclosed, name).to.equal(false);
      if (!verdict.disclosed) expect(verdict.code, name).to.equal("DISCLOSURE_FAILED");
    }
    const [ok] = matchDisclosures([disclosureLog(mine, 3)], IFACE, CONSENT_MANAGER, RESOLVER, [mine]);
    expect(ok).to.deep.equal({ disclosed: true, logIndex: 3 });
  });

  it("one Disclosure answers one entry: the same request hash twice in a batch is released once", () => {
    const mine = entry();
    const verdicts = matchDisclosures([disclosureLog(mine, 0)], IFACE, CONSENT_MANAGER, RESOLVER, [mine, mine]);
    expect(verdicts.map((v) => v.disclosed)).to.deep.equal([true, false]);
  });
  it("fast-check: the direct decoding of the logs gives the verdicts that decoding them with ethers' ABI coder gives", () => {
    /** The verdicts as ethers' `parseLog` and checksummed addresses read them (the former implementation). */
    const reference = (logs: Log[], entries: DisclosureEntry[]) => {
      const disclosed = new Map<string, { tokenId: bigint; grantee: string; purpose: string; resolver: string; index: number }>();
      const refused = new Map<string, bigint>();
      for (const log of logs) {
        if (getAddress(log.address) !== CONSENT_MANAGER) continue;
        const parsed = IFACE.parseLog({ topics: [...log.topics], data: log.data });
        const hash = (parsed!.args.requestHash as string).toLowerCase();
        if (parsed?.name === "Disclosure" && !disclosed.has(hash)) {
          disclosed.set(hash, { tokenId: parsed.args.tokenId, grantee: getAddress(parsed.args.grantee), purpose: parsed.args.purpose.toLowerCase(), resolver: getAddress(parsed.args.resolver), index: log.index });
        } else if (parsed?.name === "DisclosureRefused" && !refused.has(hash)) refused.set(hash, parsed.args.reason);
      }
      return entries.map((e) => {
        const log = disclosed.get(e.requestHash.toLowerCase());
        if (log) {
          disclosed.delete(e.requestHash.toLowerCase());
          const same = log.tokenId === e.tokenId && log.grantee === getAddress(e.grantee) && log.purpose === e.purpose.toLowerCase() && log.resolver === RESOLVER;
          return same ? { disclosed: true, logIndex: log.index } : { disclosed: false, code: "DISCLOSURE_FAILED" };
        }
        const reason = refused.get(e.requestHash.toLowerCase());
        return { disclosed: false, code: reason === 1n ? "RECORD_ERASED" : reason === 2n ? "ACCESS_DENIED" : "DISCLOSURE_FAILED" };
      });
    };
    const base = Array.from({ length: 4 }, () => entry());
    const variant = fc.record({
      which: fc.nat(3),
      kind: fc.constantFrom("disclosure", "refused"),
      reason: fc.integer({ min: 0, max: 255 }),
      tokenDelta: fc.constantFrom(0n, 1n),
      otherGrantee: fc.boolean(),
      otherPurpose: fc.boolean(),
      otherResolver: fc.boolean(),
      otherEmitter: fc.boolean(),
      emergency: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(variant, { maxLength: 8 }), fc.array(fc.nat(3), { minLength: 1, maxLength: 6 }), (variants, asked) => {
        const logs = variants.map((v, index) => {
          const e = base[v.which];
          const grantee = v.otherGrantee ? base[(v.which + 1) % 4].grantee : e.grantee;
          const address = v.otherEmitter ? PATIENT : CONSENT_MANAGER;
          const encoded =
            v.kind === "disclosure"
              ? IFACE.encodeEventLog("Disclosure", [e.tokenId + v.tokenDelta, PATIENT, grantee, v.otherPurpose ? Purpose.RESEARCH : e.purpose, v.otherResolver ? PATIENT : RESOLVER, v.emergency, e.requestHash])
              : IFACE.encodeEventLog("DisclosureRefused", [e.requestHash, e.tokenId, grantee, v.reason]);
          return { address, topics: encoded.topics, data: encoded.data, index } as unknown as Log;
        });
        const entries = asked.map((i) => base[i]);
        const verdicts = matchDisclosures(logs, IFACE, CONSENT_MANAGER, RESOLVER, entries).map((v) => (v.disclosed ? v : { disclosed: false, code: v.code }));
        expect(verdicts).to.deep.equal(reference(logs, entries));
      }),
      { numRuns: 300 },
    );
  });
  it("a log of another shape (extra data, a dirty address word, a missing topic) releases nothing", () => {
    const mine = entry();
    const good = disclosureLog(mine, 0);
    const dirty = `0x${"ff".repeat(12)}${good.topics[3].slice(26)}`;
    const cases: [string, Log][] = [
      ["extra data", { ...good, data: `${good.data}${"00".repeat(32)}` } as unknown as Log],
      ["short data", { ...good, data: good.data.slice(0, -64) } as unknown as Log],
      ["dirty grantee word", { ...good, topics: [...good.topics.slice(0, 3), dirty] } as unknown as Log],
      ["a missing topic", { ...good, topics: good.topics.slice(0, 3) } as unknown as Log],
    ];
    for (const [name, log] of cases) {
      const [verdict] = matchDisclosures([log], IFACE, CONSENT_MANAGER, RESOLVER, [mine]);
      expect(verdict.disclosed, name).to.equal(false);
    }
    expect(matchDisclosures([good], IFACE, CONSENT_MANAGER, RESOLVER, [mine])[0].disclosed).to.equal(true);
  });
});
