import { expect } from "chai";
import path from "node:path";
import { readFileSync } from "node:fs";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { rawRequest } from "../helpers/access-requests";
import { disclosuresByRequest, releaseLoop } from "../helpers/release-loop";
import type { IngestedRecord } from "../../sdk/records";
import type { HealthBody } from "../../sdk/resolver";
import { CHAIN_CHECK, HEALTH_CHECK_TIMEOUT_MS } from "../../resolver/routes/health";

const BUNDLE = JSON.parse(readFileSync(path.resolve(__dirname, "..", "fixtures", "synthetic-patient-bundle.json"), "utf8"));

/** The resolver's budget per key release in this test, in ms (short, so that the pause outlasts it). */
const DISCLOSURE_TIMEOUT_MS = 4_000;
/** How long the node process is stopped (SIGSTOP), in ms: beyond {@link ANSWER_BOUND_MS} and the 10 s limit of one chain call. */
const PAUSE_MS = 16_000;
/** Bound on recovery: from the node's SIGCONT to a key released for a request sent after it, in ms. */
const RECOVERY_BOUND_MS = 10_000;
/**
 * Bound on any answer while the node is stopped, in ms: the release budget from the request's arrival, whatever it
 * waits for — its checks' chain reads (before: each up to the 10 s call limit, queued ones longer), the batch's send
 * or its cancel on the stopped node (before: answered when the node resumed, after the whole pause) — plus slack.
 */
const ANSWER_BOUND_MS = DISCLOSURE_TIMEOUT_MS + 2_000;
/** The codes a release may get while the node does not answer (retryable, nothing released). */
const PAUSE_CODES = ["CHAIN_UNAVAILABLE", "DISCLOSURE_FAILED"];

/**
 * Chaos: the chain's node process is stopped (SIGSTOP: connections are accepted by the kernel and never answered)
 * in the middle of a load and continued 16 s later (beyond one chain call's 10 s limit). Nothing hangs, nothing is released without its Disclosure, every
 * Disclosure mined without a release (a batch the stopped node had taken and mined on resuming, after its clients
 * were answered) is counted, and releases resume without a restart.
 */
describe("e2e: the chain's node paused (SIGSTOP) and resumed under load", function () {
  this.timeout(180_000);
  let stack: ResolverStack;
  let record: IngestedRecord;
  let paused = false;
  const signal = (name: NodeJS.Signals) => process.kill(-stack.chain.pid!, name);

  before(async function () {
    stack = await startResolverStack({ limits: { disclosureTimeoutMs: DISCLOSURE_TIMEOUT_MS, disclosureNonceCheckMs: 500, disclosureCloseWaitMs: 2_000 } });
    if (stack.chain.pid === undefined) this.skip(); // an external chain (ZKSYNC_RPC_URL) cannot be stopped from here
    [record] = await stack.ingest(BUNDLE);
    await stack.grantRead(stack.signers.reader.address, record.tokenId);
    await stack.grantRead(stack.signers.stranger.address, record.tokenId);
  });
  after(async () => {
    if (paused) signal("SIGCONT");
    await stack?.stop();
  });

  const health = async () => {
    const started = performance.now();
    const answer = await rawRequest(`${stack.resolver.url}/healthz`, { method: "GET" });
    return { status: answer.status, body: answer.body as HealthBody, ms: performance.now() - started };
  };

  it("releases fail fast and retryably while it is stopped, /healthz names the chain within its bound, releases resume after SIGCONT; every Disclosure is a release or counted", async () => {
    const fromBlock = Number(await stack.provider.send("eth_blockNumber", [])) + 1;
    const traffic = releaseLoop(stack, { readers: [stack.signers.reader, stack.signers.stranger], workers: 8, tokenId: record.tokenId });
    let pausedAt = 0;
    let resumedAt = 0;
    let pausedHealth: Awaited<ReturnType<typeof health>> | undefined;
    let recoveredAt: number | undefined;
    try {
      while (traffic.answers.filter((a) => a.ok).length < 20) await new Promise((resolve) => setTimeout(resolve, 50));
      signal("SIGSTOP");
      paused = true;
      pausedAt = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      pausedHealth = await health();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, PAUSE_MS - (performance.now() - pausedAt))));
      signal("SIGCONT");
      paused = false;
      resumedAt = performance.now();
      while (recoveredAt === undefined && performance.now() - resumedAt < RECOVERY_BOUND_MS + 20_000) {
        recoveredAt = traffic.answers.find((a) => a.ok && a.sentAt >= resumedAt)?.answeredAt;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // a little traffic after recovery
    } finally {
      await traffic.stop();
      if (paused) signal("SIGCONT");
      paused = false;
    }

    expect(pausedHealth!.status, "/healthz while the node is stopped").to.equal(503);
    expect(pausedHealth!.body.failing).to.include(CHAIN_CHECK);
    expect(pausedHealth!.ms, "/healthz answers within its bound").to.be.lessThan(HEALTH_CHECK_TIMEOUT_MS + 1_500);
    expect(recoveredAt, "a release for a request sent after SIGCONT").to.not.equal(undefined);
    const recoveryMs = recoveredAt! - resumedAt;
    expect(recoveryMs).to.be.lessThan(RECOVERY_BOUND_MS);

    const during = traffic.answers.filter((a) => a.answeredAt > pausedAt + 200 && a.answeredAt <= resumedAt);
    const released = traffic.answers.filter((a) => a.ok);
    const failed = traffic.answers.filter((a) => !a.ok);
    expect(during.length, "requests answered while the node is stopped (none hangs until it resumes)").to.be.greaterThan(0);
    for (const answer of during) expect(answer.ok, "no release while the node is stopped").to.equal(false);
    for (const answer of failed) expect(PAUSE_CODES, "a retryable refusal").to.include(answer.code);
    const slowest = Math.max(...traffic.answers.map((a) => a.answeredAt - a.sentAt));
    expect(slowest, "no request, released or refused, waits on the stopped node beyond the bound").to.be.lessThan(ANSWER_BOUND_MS);

    // Let every batch of the pause settle (mined late or given up), then count.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const after = await health();
    expect(after.status, "healthy again without a restart").to.equal(200);
    const { counts, total } = await disclosuresByRequest(stack, record.tokenId, fromBlock);
    for (const answer of released) expect(counts.get(answer.requestHash), "each release has exactly its own Disclosure").to.equal(1);
    const disclosedFailures = failed.filter((a) => counts.has(a.requestHash)).length;
    expect(total, "every Disclosure is a release or one of a failed request").to.equal(released.length + disclosedFailures);
    expect(after.body.disclosures.disclosuresWithoutRelease, "and those are counted").to.equal(disclosedFailures);
    console.log(
      `      node paused ${PAUSE_MS} ms: ${traffic.answers.length} answers, ${released.length} released, ${failed.length} refused ` +
        `(${[...new Set(failed.map((a) => a.code))].join(", ")}), slowest answer ${Math.round(slowest)} ms; /healthz ${Math.round(pausedHealth!.ms)} ms while stopped; ` +
        `recovered ${Math.round(recoveryMs)} ms after SIGCONT; ${disclosedFailures} Disclosures without release (counted)`,
    );
  });
});
