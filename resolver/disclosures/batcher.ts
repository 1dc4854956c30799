import type { DisclosureReceipt } from "@medrec/sdk/resolver/protocol";
import { ResolverHttpError, chainUnavailable } from "../errors";
import type { BatchLog, DisclosureEntry, DisclosureVerdict } from "./match";
import { ReceiptTimeoutError } from "./receipts";

/** The part of a mined receipt the batcher reads. */
export interface MinedBatch {
  hash: string;
  blockNumber: number;
  /** 1 success, 0 reverted. */
  status: number | null;
  logs: readonly BatchLog[];
}

/** What the batcher needs of the chain: send one batch, wait for its receipt, read the receipt's verdicts. */
export interface BatchChain {
  /** Sends one `recordDisclosures(entries)` transaction; resolves with its hash once the node took it. */
  send(entries: readonly DisclosureEntry[]): Promise<string>;
  /** The receipt of `hash` once mined; rejects with {@link ReceiptTimeoutError} after `timeoutMs`. */
  wait(hash: string, timeoutMs: number): Promise<MinedBatch>;
  /** The verdict of the mined batch on each entry (see `matchDisclosures`). */
  verdicts(logs: readonly BatchLog[], entries: readonly DisclosureEntry[]): DisclosureVerdict[];
}

/** The window, chunking and time limits of the batcher. */
export interface BatcherLimits {
  /** Wait of an idle window for more releases, in ms. */
  windowMs: number;
  /** Longest wait of a window while a batch is pending, in ms. */
  pipelineWindowMs: number;
  /** Most entries in one transaction (from the gas cap). */
  maxBatch: number;
  /** Most transactions sent and not yet mined. */
  maxInFlight: number;
  /** Most releases waiting (collecting, sent, pending). */
  maxPending: number;
  /** Longest wait for one batch's receipt, in ms. */
  timeoutMs: number;
}

/** One batch as it is logged: never keys, only counts, the transaction and how it ended. */
export interface BatchReport {
  size: number;
  disclosed: number;
  transactionHash?: string;
  blockNumber?: number;
  outcome: "mined" | "not-sent" | "reverted" | "timed-out" | "failed";
  ms: number;
}

/** Records key releases on-chain in batches; see {@link createDisclosureBatcher}. */
export interface DisclosureBatcher {
  /**
   * Resolves once `entry`'s `Disclosure` is mined (in the receipt of its batch, matched by request hash);
   * rejects with the refusal otherwise (`ACCESS_DENIED`/`RECORD_ERASED` refused in the batch, `DISCLOSURE_FAILED`
   * when the batch was not sent, reverted or was not mined in time, 503 when too many releases wait).
   */
  disclose(entry: DisclosureEntry): Promise<DisclosureReceipt>;
  /** Releases collecting, sent and pending. */
  pending(): number;
  /** Sends what is collecting now and waits for every batch in flight. */
  close(): Promise<void>;
}

interface Waiting {
  entry: DisclosureEntry;
  resolve(receipt: DisclosureReceipt): void;
  reject(error: unknown): void;
}

/**
 * The disclosure batcher: every key release that arrives within one window goes into one `recordDisclosures`
 * transaction (chunked to `maxBatch` entries), and each release is answered from that transaction's receipt.
 * - Window: an idle batcher (no batch pending) sends `windowMs` after the first release arrives; while a batch is
 *   pending, the next window collects until it is full, the chain is idle again, or `pipelineWindowMs` passed — so
 *   on an automining chain single releases stay fast and on a 1 s chain the wait for a block collects the next batch.
 * - Pipeline: up to `maxInFlight` batches are sent and unmined at once (nonces are numbered locally by the sender).
 * - A batch that is not sent, reverts or is not mined within `timeoutMs` refuses all its releases with
 *   `DISCLOSURE_FAILED`: nothing is released without its mined `Disclosure`.
 * @param chain Send, receipt and verdicts.
 * @param limits Window, chunking and time limits.
 * @param onBatch Called once per batch (for the log).
 */
export function createDisclosureBatcher(chain: BatchChain, limits: BatcherLimits, onBatch?: (report: BatchReport) => void): DisclosureBatcher {
  const maxBatch = Math.max(1, Math.floor(limits.maxBatch));
  const maxInFlight = Math.max(1, Math.floor(limits.maxInFlight));
  let collecting: Waiting[] = [];
  let inFlight = 0;
  let inFlightCount = 0; // releases in sent batches
  const running = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let timerDue = Infinity;
  let closing = false;
  /** When the oldest release now collecting arrived: the window is measured from it. */
  let windowOpened = 0;

  const clearTimer = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    timerDue = Infinity;
  };
  /** Sends full batches while there is room, then arms the window timer for what is left. */
  const pump = (force = false) => {
    while (collecting.length > 0 && inFlight < maxInFlight && (force || collecting.length >= maxBatch)) {
      launch(collecting.splice(0, maxBatch));
      windowOpened = performance.now(); // what is left (arrived meanwhile) starts a new window
    }
    if (collecting.length === 0) return clearTimer();
    if (inFlight >= maxInFlight) return clearTimer(); // sent when a batch is mined
    const now = performance.now();
    const due = closing ? now : windowOpened + (inFlight === 0 ? limits.windowMs : limits.pipelineWindowMs);
    if (due <= now) {
      launch(collecting.splice(0, maxBatch));
      windowOpened = now;
      return pump();
    }
    if (timer && timerDue <= due) return;
    clearTimer();
    timerDue = due;
    timer = setTimeout(() => {
      timer = undefined;
      timerDue = Infinity;
      pump(true);
    }, due - now);
  };

  const launch = (batch: Waiting[]) => {
    inFlight++;
    inFlightCount += batch.length;
    const run = runBatch(batch).finally(() => {
      inFlight--;
      inFlightCount -= batch.length;
      running.delete(run);
      // The chain is idle again: what collected meanwhile goes out after the short window.
      pump();
    });
    running.add(run);
  };

  const runBatch = async (batch: Waiting[]): Promise<void> => {
    const started = performance.now();
    const entries = batch.map((waiting) => waiting.entry);
    const fail = (outcome: BatchReport["outcome"], message: string, extra: Partial<BatchReport> = {}) => {
      const error = new ResolverHttpError("DISCLOSURE_FAILED", message);
      for (const waiting of batch) waiting.reject(error);
      onBatch?.({ size: batch.length, disclosed: 0, outcome, ms: performance.now() - started, ...extra });
    };
    let hash: string;
    try {
      hash = await chain.send(entries);
    } catch (error) {
      if (error instanceof ResolverHttpError) return fail("not-sent", error.message);
      return fail("not-sent", `the disclosure transaction could not be sent (${(error as { code?: string }).code ?? "error"}); nothing was released`);
    }
    let mined: MinedBatch;
    try {
      mined = await chain.wait(hash, limits.timeoutMs);
    } catch (error) {
      if (error instanceof ReceiptTimeoutError) {
        return fail("timed-out", `the disclosure transaction was not mined within ${limits.timeoutMs} ms; nothing was released`, { transactionHash: hash });
      }
      return fail("failed", "the disclosure transaction's receipt could not be read; nothing was released", { transactionHash: hash });
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
    onBatch?.({ size: batch.length, disclosed, transactionHash: mined.hash, blockNumber: mined.blockNumber, outcome: "mined", ms: performance.now() - started });
  };

  return {
    disclose(entry) {
      if (collecting.length + inFlightCount >= limits.maxPending) {
        return Promise.reject(chainUnavailable("too many key releases are waiting for their disclosure; nothing was done"));
      }
      return new Promise<DisclosureReceipt>((resolve, reject) => {
        if (collecting.length === 0) windowOpened = performance.now();
        collecting.push({ entry, resolve, reject });
        pump();
      });
    },
    pending: () => collecting.length + inFlightCount,
    async close() {
      closing = true;
      pump(true);
      while (running.size > 0 || collecting.length > 0) {
        await Promise.allSettled([...running]);
        pump(true);
      }
      clearTimer();
    },
  };
}
