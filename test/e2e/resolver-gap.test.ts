import { expect } from "chai";
import path from "node:path";
import { readFileSync } from "node:fs";
import { Transaction } from "ethers";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { postAccess, rawRequest, signedAccessBody } from "../helpers/access-requests";
import { disclosuresByRequest, releaseLoop } from "../helpers/release-loop";
import type { IngestedRecord } from "../../sdk/records";
import { accessRequestDigest, accessRequestFromBody, ResolverError, type HealthBody } from "../../sdk/resolver";
import { NONCE_GAP_CHECK } from "../../resolver/disclosures/health";

const BUNDLE = JSON.parse(readFileSync(path.resolve(__dirname, "..", "fixtures", "synthetic-patient-bundle.json"), "utf8"));

/** Block interval of the chain while the test runs, in ms. */
const BLOCK_MS = 200;
/** The resolver's budget per key release in this test, in ms (short, so that the pause outlasts some batches). */
const DISCLOSURE_TIMEOUT_MS = 4_000;
/** How long mining is paused, in ms (the resolver's pending transactions are dropped 1.5 s and {@link SECOND_DROP_MS} into it). */
const PAUSE_MS = 6_000;
/** When the second drop happens, in ms into the pause (after the first batches of the pause were given up). */
const SECOND_DROP_MS = 4_500;
/** The bound on recovery: from mining resuming to a key released for a request sent after it, in ms. */
const RECOVERY_BOUND_MS = 8_000;
/** Longest a resolver close may take with disclosures stuck (mining paused), in ms. */
const CLOSE_BOUND_MS = 8_000;

/**
 * Chaos on a real Hardhat node (interval mining, loopback only): readers load the resolver, mining pauses, the
 * resolver's pending disclosure transactions are dropped from the node's pool (`hardhat_dropTransaction`), mining
 * resumes. Before the fix the dropped nonces left a gap that every later disclosure waited behind (no release until
 * a restart, `/healthz` ok throughout, stale Disclosures of failed requests mined after the restart).
 */
describe("e2e: a dropped disclosure transaction (nonce gap) under load", function () {
  this.timeout(180_000);
  let stack: ResolverStack;
  let record: IngestedRecord;
  const rpc = (method: string, params: unknown[] = []) => stack.provider.send(method, params);

  before(async () => {
    stack = await startResolverStack({ limits: { disclosureTimeoutMs: DISCLOSURE_TIMEOUT_MS, disclosureNonceCheckMs: 500, disclosureCloseWaitMs: 2_000 } });
    [record] = await stack.ingest(BUNDLE);
    await stack.grantRead(stack.signers.reader.address, record.tokenId);
    await stack.grantRead(stack.signers.stranger.address, record.tokenId);
    await rpc("evm_setAutomine", [false]);
    await rpc("evm_setIntervalMining", [BLOCK_MS]);
  });
  after(async () => stack?.stop());

  const health = async () => {
    const answer = await rawRequest(`${stack.resolver.url}/healthz`, { method: "GET" });
    return { status: answer.status, body: answer.body as HealthBody };
  };
  const resolverPending = async (): Promise<string[]> => {
    const pending = (await rpc("eth_pendingTransactions")) as { hash: string; from: string }[];
    return pending.filter((tx) => tx.from.toLowerCase() === stack.identity.address.toLowerCase()).map((tx) => tx.hash);
  };
  /** Drops every pending transaction of the resolver's account from the node's pool; returns their hashes. */
  const dropResolverPending = async (): Promise<string[]> => {
    const hashes = await resolverPending();
    for (const hash of hashes) expect(await rpc("hardhat_dropTransaction", [hash])).to.equal(true);
    return hashes;
  };
  /**
   * Drops the resolver's pending transactions and sends `raws` again. The resolver's nonce check (every 500 ms) may
   * put its no-op back between the drop and a resend (a window of a few RPC round trips, wide on a loaded machine):
   * the node then refuses the resend as underpriced, and the drop and resend are done again.
   */
  const dropAndResend = async (raws: string[]) => {
    for (let attempt = 0; ; attempt++) {
      await dropResolverPending();
      try {
        for (const raw of raws) await rpc("eth_sendRawTransaction", [raw]);
        return;
      } catch (error) {
        if (attempt >= 10 || !/underpriced|fee too low/i.test(String((error as Error).message))) throw error;
      }
    }
  };


  it("chaos: pause mining, drop the pending disclosures, resume: releases recover without a restart, no failed request is ever disclosed, /healthz names the gap", async () => {
    const before = (await disclosuresByRequest(stack, record.tokenId)).total;
    const traffic = releaseLoop(stack, { readers: [stack.signers.reader, stack.signers.stranger], workers: 12, tokenId: record.tokenId });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(traffic.answers.filter((a) => a.ok).length, "releases before the pause").to.be.greaterThan(0);

    await rpc("evm_setIntervalMining", [0]);
    const pausedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const dropped = await dropResolverPending();
    expect(dropped.length, "pending disclosure transactions dropped").to.be.greaterThan(0);

    // While the gap lasts (mining is still paused), /healthz is 503 and names it.
    let gapSeen: { status: number; body: HealthBody } | undefined;
    while (!gapSeen && performance.now() - pausedAt < PAUSE_MS) {
      const answer = await health();
      if (answer.status === 503 && answer.body.failing?.includes(NONCE_GAP_CHECK)) gapSeen = answer;
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(gapSeen, `/healthz named ${NONCE_GAP_CHECK} while the gap lasted`).to.not.equal(undefined);
    expect(gapSeen!.body.status).to.equal("degraded");
    expect(gapSeen!.body.disclosures.nonceGap).to.not.equal(null);
    // A second drop after some batches outlived their budget: it drops the no-ops that cancelled them too, and
    // their nonces must be filled by no-ops again, never by the disclosures of the refused requests.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, SECOND_DROP_MS - (performance.now() - pausedAt))));
    dropped.push(...(await dropResolverPending()));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, PAUSE_MS - (performance.now() - pausedAt))));

    await rpc("evm_setIntervalMining", [BLOCK_MS]);
    const resumedAt = performance.now();
    let recoveredAt: number | undefined;
    while (recoveredAt === undefined && performance.now() - resumedAt < RECOVERY_BOUND_MS + 2_000) {
      recoveredAt = traffic.answers.find((a) => a.ok && a.sentAt >= resumedAt)?.answeredAt;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await traffic.stop();
    // Everything sent is mined or replaced; the account's gap is mined over.
    let after = await health();
    for (let i = 0; i < 40 && (after.status !== 200 || after.body.disclosures.pendingTransactions > 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      after = await health();
    }

    const { counts, total } = await disclosuresByRequest(stack, record.tokenId);
    const ok = traffic.answers.filter((a) => a.ok);
    const failed = traffic.answers.filter((a) => !a.ok);
    const failedDisclosed = failed.filter((a) => counts.has(a.requestHash.toLowerCase()));
    const withoutRelease = after.body.disclosures.disclosuresWithoutRelease;
    const recoveryMs = recoveredAt === undefined ? undefined : Math.round(recoveredAt - resumedAt);
    const outcomes = new Map<string, number>();
    for (const line of stack.logs) {
      const outcome = /"disclosure batch"/.test(line) ? /"outcome":"([a-z-]+)"/.exec(line)?.[1] : /"disclosure nonce gap repaired"/.test(line) ? "gap-repair" : undefined;
      if (outcome) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    console.log(
      `      gap chaos: batches ${JSON.stringify(Object.fromEntries(outcomes))}; ${traffic.answers.length} answers, ${ok.length} released, ${failed.length} refused (${[...new Set(failed.map((a) => a.code))].join(", ")}), ` +
        `${dropped.length} transactions dropped, gap ${JSON.stringify(gapSeen!.body.disclosures.nonceGap)}, recovery ${recoveryMs} ms after mining resumed, ` +
        `${total - before} Disclosures, ${withoutRelease} without release`,
    );

    expect(recoveryMs, "a request sent after mining resumed got its key").to.not.equal(undefined);
    expect(recoveryMs!).to.be.at.most(RECOVERY_BOUND_MS);
    expect(after.status, `/healthz is 200 again (${JSON.stringify(after.body.failing)})`).to.equal(200);
    for (const answer of ok) expect(counts.get(answer.requestHash.toLowerCase()), "one Disclosure per release").to.equal(1);
    expect(failedDisclosed.length, "Disclosures of requests answered with a failure").to.equal(0);
    expect(withoutRelease, "the metric counts Disclosures without release").to.equal(failedDisclosed.length);
    expect(total - before, "Disclosure events = releases + Disclosures without release").to.equal(ok.length + withoutRelease);
    expect(failed.length, "the pause outlasted some batches: their requests were refused").to.be.greaterThan(0);
    for (const answer of failed) expect(["DISCLOSURE_FAILED", "CHAIN_UNAVAILABLE"]).to.include(answer.code);
  });

  it("attack: a refused batch's own signed bytes sent again after its no-op is dropped are replaced by a no-op again; mined at once, they are counted as Disclosures without release", async () => {
    await rpc("evm_setIntervalMining", [0]);
    const before = (await health()).body.disclosures.disclosuresWithoutRelease;
    const asks = await Promise.all(Array.from({ length: 3 }, () => signedAccessBody(stack, stack.signers.reader, record.tokenId)));
    const answers = asks.map(({ body }) => postAccess(stack, body).then(() => undefined, (error: ResolverError) => error));
    await new Promise((resolve) => setTimeout(resolve, 800)); // all three are sent (in one or two batches)
    const originals = await Promise.all((await resolverPending()).map(async (hash) => Transaction.from((await stack.provider.getTransaction(hash))!).serialized));
    expect(originals.length, "the batches' signed bytes, as anyone who saw the pool has them").to.be.greaterThan(0);
    const errors = await Promise.all(answers);
    for (const error of errors) expect(error?.code, "refused: the pause outlasted the budget").to.equal("DISCLOSURE_FAILED");
    // Its no-op took its place in the pool. Whoever drops that and sends the disclosure's bytes again finds them
    // replaced by a no-op again at the resolver's next check...
    await dropAndResend(originals);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const pooled = await Promise.all((await resolverPending()).map(async (hash) => (await stack.provider.getTransaction(hash))!));
    expect(pooled.length).to.equal(originals.length);
    for (const tx of pooled) expect([tx.to, tx.data], "the resent disclosure was replaced by a no-op").to.deep.equal([stack.identity.address, "0x"]);
    // ...unless a block is mined at once (here: evm_mine right after the resend): then it is mined, and counted.
    await dropAndResend(originals);
    await rpc("evm_mine");
    await rpc("evm_setIntervalMining", [BLOCK_MS]);
    let after = await health();
    for (let i = 0; i < 40 && after.body.disclosures.disclosuresWithoutRelease === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      after = await health();
    }
    const { counts } = await disclosuresByRequest(stack, record.tokenId);
    const disclosedRefused = asks.filter(({ body }) => counts.has(accessRequestDigest(stack.domain, accessRequestFromBody(body)).toLowerCase())).length;
    console.log(`      late mining: ${disclosedRefused} Disclosures of refused requests, counter ${before} -> ${after.body.disclosures.disclosuresWithoutRelease}`);
    expect(disclosedRefused).to.equal(3);
    expect(after.body.disclosures.disclosuresWithoutRelease - before, "counted as Disclosures without release").to.equal(disclosedRefused);
    // The count is kept in the database: a restart does not reset the metric.
    await stack.restartResolver();
    expect((await health()).body.disclosures.disclosuresWithoutRelease, "the count after a restart").to.equal(after.body.disclosures.disclosuresWithoutRelease);
  });

  it("shutdown with disclosures stuck (mining paused): close is bounded, waiting clients get 503 SHUTTING_DOWN, and none of them is disclosed later", async () => {
    await rpc("evm_setIntervalMining", [0]);
    const asks = await Promise.all(Array.from({ length: 6 }, (_, i) => signedAccessBody(stack, i % 2 ? stack.signers.reader : stack.signers.stranger, record.tokenId)));
    const answers = asks.map(({ body }) => postAccess(stack, body).then(() => undefined, (error: ResolverError) => error));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await resolverPending()).length, "disclosures pending").to.be.greaterThan(0);
    const started = performance.now();
    await stack.resolver.close();
    const closeMs = performance.now() - started;
    const errors = await Promise.all(answers);
    await rpc("evm_setIntervalMining", [BLOCK_MS]);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    console.log(`      shutdown: closed in ${Math.round(closeMs)} ms, answers ${errors.map((e) => e?.code ?? "released").join(", ")}`);
    expect(closeMs).to.be.at.most(CLOSE_BOUND_MS);
    for (const error of errors) {
      expect(error?.code).to.equal("SHUTTING_DOWN");
      expect(error?.status).to.equal(503);
    }
    const { counts } = await disclosuresByRequest(stack, record.tokenId);
    for (const { body } of asks) expect(counts.has(accessRequestDigest(stack.domain, accessRequestFromBody(body)).toLowerCase()), "disclosed after its refusal").to.equal(false);
  });
});
