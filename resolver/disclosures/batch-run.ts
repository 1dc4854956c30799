import type { DisclosureReceipt } from "@medrec/sdk/resolver/protocol";
import { ResolverHttpError, shuttingDown } from "../errors";
import { settledBy } from "../settled-by";
import type { BatchLog, DisclosureEntry, DisclosureVerdict } from "./match";

/** The part of a mined receipt the batcher reads. */
export interface MinedBatch {
  hash: string;
  blockNumber: number;
  /** 1 success, 0 reverted. */
  status: number | null;
  logs: readonly BatchLog[];
}

/** A batch the node took at `nonce`; `replaced` resolves with a no-op's hash if the sender had to take its nonce. */
export interface SentBatch {
  hash: string;
  nonce: number;
  replaced: Promise<string>;
}

/** What the batcher needs of the chain: send one batch, wait for receipts, give a batch up, read verdicts. */
export interface BatchChain {
  /** Sends one `recordDisclosures(entries)` transaction; resolves once the node took it. Throws when it was refused. */
  send(entries: readonly DisclosureEntry[]): Promise<SentBatch>;
  /** The receipt of the first of `hashes` mined; rejects (`ReceiptTimeoutError`) after `timeoutMs`. */
  wait(hashes: readonly string[], timeoutMs: number): Promise<MinedBatch>;
  /**
   * Gives the batch up: its disclosure is never sent again and a no-op at its nonce (higher fees) evicts it from the
   * pool. Resolves with the no-op's hash, or `undefined` when the nonce is already mined.
   */
  cancel(sent: SentBatch): Promise<string | undefined>;
  /** The batch's nonce is mined (by it or its no-op). */
  settle(sent: SentBatch): void;
  /** Whether the chain has mined a transaction at the batch's nonce (whichever), asked of the node now. */
  nonceMined(sent: SentBatch): Promise<boolean>;
  /** The verdict of the mined batch on each entry (see `matchDisclosures`). */
  verdicts(logs: readonly BatchLog[], entries: readonly DisclosureEntry[]): DisclosureVerdict[];
}

/** One batch as it is logged: never keys, only counts, the transaction and how it ended. */
export interface BatchReport {
  size: number;
  disclosed: number;
  transactionHash?: string;
  blockNumber?: number;
  /**
   * `cancelled`: a no-op took the batch's nonce (nothing disclosed); `mined-after-failure`: a batch whose requests
   * had been answered with a failure was mined after all (`disclosed` Disclosures without a release).
   */
  outcome: "mined" | "not-sent" | "reverted" | "timed-out" | "cancelled" | "shutting-down" | "failed" | "mined-after-failure";
  ms: number;
}

/** A release waiting in a batch. */
export interface Waiting {
  entry: DisclosureEntry;
  /** When it reached the batcher (`performance.now()`): its time budget runs from here. */
  at: number;
  resolve(receipt: DisclosureReceipt): void;
  reject(error: unknown): void;
}

/** How one batch is run: its budget, the shutdown signal, and where reports and late Disclosures go. */
export interface BatchRunOptions {
  /** Longest time from a release's arrival to its answer, in ms (under the client's timeout). */
  timeoutMs: number;
  /** Resolves when the resolver shuts down: pending batches are given up at once. */
  shutdown: Promise<void>;
  onBatch?: (report: BatchReport) => void;
  /** Called when a batch answered with a failure is mined after all, with the number of its Disclosures. */
  onLateDisclosures(count: number): void;
  /** Keeps watching a given-up batch until its nonce is mined (to count Disclosures without release). */
  watch(task: Promise<void>): void;
}

/** Longest share of the budget kept for the cancel of a batch not mined in time, in ms. */
const CANCEL_GRACE_MS = 5_000;
/** After a shutdown, how long a given-up batch's nonce is waited for before its requests are answered, in ms. */
const SHUTDOWN_GRACE_MS = 1_000;
/** How long a batch answered with a failure is watched for a late mining, in ms. */
const LATE_WATCH_MS = 10 * 60_000;
/** Step of that watch: how long its receipts are waited for before its nonce is checked, in ms. */
const LATE_STEP_MS = 2_000;

/** Thrown into a batch's wait when the sender replaced its disclosure with a no-op. */
class ReplacedError extends Error {
  constructor(readonly noopHash: string) {
    super("the disclosure was replaced by a no-op");
  }
}
/** Thrown into a batch's wait when the resolver shuts down. */
class ShutdownError extends Error {}

/**
 * Runs one batch: sends it, waits for its receipt and answers each release from it. The failure rule: a release is
 * answered with a failure once the batch's disclosure can no longer be mined by the node — it was refused, its
 * nonce was taken by a no-op (mined, or at least taken into the pool over it at higher fees), or it was given up at
 * its budget or at shutdown and a no-op was sent at its nonce — or, when the node stops answering, at the budget's
 * end whatever the send or the cancel still wait for (the budget is under the client's patience: an answer after it
 * would reach nobody). Every batch answered with a failure that might still be mined is watched, and counted if so. A batch not mined by `timeoutMs − grace` is given up
 * (cancelled) and its nonce waited for during the grace: if the disclosure is mined meanwhile after all, the releases
 * are answered from it. A given-up batch is watched further; if it is mined anyway, its Disclosures are counted
 * (`onLateDisclosures`): Disclosures without a release.
 */
export async function runBatch(chain: BatchChain, batch: Waiting[], options: BatchRunOptions): Promise<void> {
  const started = performance.now();
  const entries = batch.map((waiting) => waiting.entry);
  const deadline = Math.min(...batch.map((waiting) => waiting.at)) + options.timeoutMs;
  const grace = Math.min(CANCEL_GRACE_MS, options.timeoutMs / 4);
  let shutDown = false;
  const shutdown = options.shutdown.then(() => {
    shutDown = true;
    throw new ShutdownError();
  });
  shutdown.catch(() => undefined);
  const fail = (outcome: BatchReport["outcome"], message: string, extra: Partial<BatchReport> = {}) => {
    const error = outcome === "shutting-down" ? shuttingDown() : new ResolverHttpError("DISCLOSURE_FAILED", message);
    for (const waiting of batch) waiting.reject(error);
    options.onBatch?.({ size: batch.length, disclosed: 0, outcome, ms: performance.now() - started, ...extra });
  };
  // The send (fees, the sender's queue, the node taking it) is bounded by the budget too: a node that stops
  // answering mid-send must not hold the answers past the client's patience. A send still running then is answered
  // with a failure at once; if the node takes it after all, it is given up and watched like any batch not mined in
  // time (a late mining counts as Disclosures without release). Not cut short at shutdown.
  const sending = chain.send(entries);
  let sent: SentBatch | undefined;
  try {
    sent = await settledBy(sending, deadline - grace);
  } catch (error) {
    if (error instanceof ResolverHttpError) return fail("not-sent", error.message);
    return fail("not-sent", `the disclosure transaction could not be sent (${(error as { code?: string }).code ?? "error"}); nothing was released`);
  }
  if (!sent) {
    sending.then(
      (late) => watchLate(chain, late, [late.hash], entries, options),
      () => undefined, // refused after all: nothing was sent
    );
    return fail("timed-out", `the disclosure transaction could not be sent within ${options.timeoutMs} ms; nothing was released`);
  }
  const hashes = [sent.hash];
  const replaced = sent.replaced.then((hash) => {
    throw new ReplacedError(hash);
  });
  replaced.catch(() => undefined);
  let mined: MinedBatch | undefined;
  try {
    mined = await Promise.race([chain.wait(hashes, Math.max(0, deadline - grace - performance.now())), replaced, shutdown]);
  } catch (error) {
    // Replaced: the sender took the nonce with a no-op; otherwise a timeout or the shutdown: the batch is given up.
    if (error instanceof ReplacedError) hashes.push(error.noopHash);
  }
  if (!mined) {
    if (hashes.length === 1) {
      // Bounded too: a cancel stuck behind a node that stopped answering is left running, and the batch is watched.
      const noop = await settledBy(chain.cancel(sent).catch(() => undefined), deadline);
      if (noop) hashes.push(noop);
    }
    const left = shutDown ? SHUTDOWN_GRACE_MS : Math.max(0, deadline - performance.now());
    try {
      mined = await Promise.race([chain.wait(hashes, left), shutDown ? new Promise<never>(() => undefined) : shutdown]);
    } catch {
      // Neither mined within the budget (or shutting down): answered below; watched further.
    }
  }
  if (!mined) {
    watchLate(chain, sent, hashes, entries, options);
    if (shutDown) return fail("shutting-down", "the resolver is shutting down; nothing was released, try again", { transactionHash: sent.hash });
    return fail("timed-out", `the disclosure transaction was not mined within ${options.timeoutMs} ms; it was cancelled and nothing was released`, { transactionHash: sent.hash });
  }
  chain.settle(sent);
  if (mined.hash.toLowerCase() !== sent.hash.toLowerCase()) {
    return fail("cancelled", "the disclosure transaction was dropped and its nonce taken by a no-op; nothing was released", { transactionHash: mined.hash, blockNumber: mined.blockNumber });
  }
  if (mined.status !== 1) {
    return fail("reverted", "the disclosure transaction reverted; nothing was released", { transactionHash: mined.hash, blockNumber: mined.blockNumber });
  }
  const verdicts = chain.verdicts(mined.logs, entries);
  let disclosed = 0;
  batch.forEach((waiting, index) => {
    const verdict = verdicts[index];
    if (verdict?.disclosed) {
      disclosed++;
      waiting.resolve({ transactionHash: mined.hash, blockNumber: mined.blockNumber, requestHash: waiting.entry.requestHash, logIndex: verdict.logIndex });
    } else {
      waiting.reject(new ResolverHttpError(verdict?.code ?? "DISCLOSURE_FAILED", verdict?.message ?? "no verdict on this request; nothing was released"));
    }
  });
  options.onBatch?.({ size: batch.length, disclosed, transactionHash: mined.hash, blockNumber: mined.blockNumber, outcome: "mined", ms: performance.now() - started });
}

/** Watches a batch answered with a failure until its nonce is mined; counts its Disclosures if it was mined. */
function watchLate(chain: BatchChain, sent: SentBatch, hashes: readonly string[], entries: readonly DisclosureEntry[], options: BatchRunOptions): void {
  const started = performance.now();
  let over = false;
  options.shutdown.then(() => (over = true));
  options.watch(
    (async () => {
      if (hashes.length === 1) {
        const noop = await chain.cancel(sent).catch(() => undefined);
        if (noop) hashes = [...hashes, noop];
      }
      let mined: MinedBatch | undefined;
      // In steps: a later no-op (a repair bids again) has a hash not waited for, so the nonce itself is checked too.
      while (!mined && !over && performance.now() - started < LATE_WATCH_MS) {
        const step = performance.now();
        mined = await chain.wait(hashes, LATE_STEP_MS).catch(() => undefined);
        if (mined || over) break;
        // Paced: a wait that fails at once (the watcher stopped) must not turn this into a busy loop.
        const rest = LATE_STEP_MS - (performance.now() - step);
        if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest).unref());
        if (await chain.nonceMined(sent).catch(() => false)) {
          mined = await chain.wait([sent.hash], LATE_STEP_MS).catch(() => undefined); // was it the disclosure?
          if (!mined) return chain.settle(sent); // another transaction took the nonce: nothing disclosed
        }
      }
      if (!mined) return;
      chain.settle(sent);
      if (mined.hash.toLowerCase() !== sent.hash.toLowerCase() || mined.status !== 1) return;
      const count = chain.verdicts(mined.logs, entries).filter((verdict) => verdict.disclosed).length;
      if (count > 0) options.onLateDisclosures(count);
      options.onBatch?.({ size: entries.length, disclosed: count, transactionHash: mined.hash, blockNumber: mined.blockNumber, outcome: "mined-after-failure", ms: performance.now() - started });
    })(),
  );
}
