import type { DisclosureReceipt } from "@medrec/sdk/resolver/protocol";
import { chainUnavailable, shuttingDown } from "../errors";
import { runBatch, type BatchChain, type BatchReport, type Waiting } from "./batch-run";
import type { DisclosureEntry } from "./match";

export type { BatchChain, BatchReport, MinedBatch, SentBatch } from "./batch-run";

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
  /**
   * Longest time from a release's arrival to its answer, in ms: keep it under the client's timeout
   * (`RESOLVER_FETCH_TIMEOUT_MS`), so that no client gives up on a release the resolver may still make.
   */
  timeoutMs: number;
  /** At shutdown, how long batches in flight may still be mined before they are given up, in ms (default 3 s). */
  closeWaitMs?: number;
}

/**
 * Where the count of Disclosures without a release is kept across restarts: its value at start and a save of each
 * new total (the resolver keeps it in its database, so `/healthz` counts since the database was made, not since the
 * process started).
 */
export interface WithoutReleaseTally {
  initial: number;
  save(total: number): void;
}

/**
 * Least budget a release must have left when it reaches the batcher, in ms (a quarter of a shorter budget): about one
 * block and a receipt poll at zkSync's pace (less is refused at once, 503, rather than sent and given up).
 */
const MIN_BUDGET_LEFT_MS = 1_500;

/**
 * The last moment (`performance.now()` time) a release that arrived at `arrivedAt` may reach the batcher: its budget
 * `timeoutMs` less what its disclosure needs at least. The checks before it (signature, chain reads) are bounded by
 * this too, so that a slow or stopped node costs the client at most the budget.
 */
export function lastEntryAt(arrivedAt: number, timeoutMs: number): number {
  return arrivedAt + timeoutMs - Math.min(MIN_BUDGET_LEFT_MS, timeoutMs / 4);
}

/** Records key releases on-chain in batches; see {@link createDisclosureBatcher}. */
export interface DisclosureBatcher {
  /**
   * Resolves once `entry`'s `Disclosure` is mined (in the receipt of its batch, matched by request hash);
   * rejects with the refusal otherwise (`ACCESS_DENIED`/`RECORD_ERASED` refused in the batch, `DISCLOSURE_FAILED`
   * when the batch was not sent, reverted or was not mined in time, 503 when too many releases wait or when the
   * request has too little of its budget left for a disclosure).
   * @param arrivedAt When the request arrived (`performance.now()`, default now): its budget (`timeoutMs`) runs from
   *   there, so that the time its checks took on a slow node counts, and its answer comes before the client gives up.
   */
  disclose(entry: DisclosureEntry, arrivedAt?: number): Promise<DisclosureReceipt>;
  /** Releases collecting, sent and pending. */
  pending(): number;
  /** Disclosures mined for releases that had been answered with a failure (Disclosures without a release). */
  disclosuresWithoutRelease(): number;
  /**
   * Bounded shutdown: refuses new releases (`SHUTTING_DOWN`), sends what is collecting, lets batches in flight be
   * mined for up to `closeWaitMs`, then gives the rest up (a no-op at each nonce) and answers their releases with
   * `SHUTTING_DOWN` (503, retryable). Resolves within about `2 × closeWaitMs` whatever the chain does.
   */
  close(): Promise<void>;
}

/**
 * The disclosure batcher: every key release that arrives within one window goes into one `recordDisclosures`
 * transaction (chunked to `maxBatch` entries), and each release is answered from that transaction's receipt.
 * - Window: an idle batcher (no batch pending) sends `windowMs` after the first release arrives; while a batch is
 *   pending, the next window collects until it is full, the chain is idle again, or `pipelineWindowMs` passed — so
 *   on an automining chain single releases stay fast and on a 1 s chain the wait for a block collects the next batch.
 * - Pipeline: up to `maxInFlight` batches are sent and unmined at once (nonces are numbered locally by the sender).
 * - A batch that is not sent, reverts or is not mined within `timeoutMs` of its oldest release refuses all its
 *   releases with `DISCLOSURE_FAILED`: nothing is released without its mined `Disclosure`, and a batch is given up
 *   (a no-op takes its nonce) before its releases are refused, so that it is not mined later (see `runBatch`).
 * @param chain Send, receipt and verdicts.
 * @param limits Window, chunking and time limits.
 * @param onBatch Called once per batch (for the log).
 * @param tally Where the count of Disclosures without a release starts and is saved (default: from 0, in memory).
 */
export function createDisclosureBatcher(
  chain: BatchChain,
  limits: BatcherLimits,
  onBatch?: (report: BatchReport) => void,
  tally?: WithoutReleaseTally,
): DisclosureBatcher {
  const maxBatch = Math.max(1, Math.floor(limits.maxBatch));
  const maxInFlight = Math.max(1, Math.floor(limits.maxInFlight));
  let collecting: Waiting[] = [];
  let inFlight = 0;
  let inFlightCount = 0; // releases in sent batches
  const running = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let timerDue = Infinity;
  let closing = false;
  let closed: Promise<void> | undefined;
  let withoutRelease = tally?.initial ?? 0;
  let stopAll!: () => void;
  const shutdown = new Promise<void>((resolve) => (stopAll = resolve));
  /** The releases of the batches in flight (answered at the end of a shutdown, whatever their batch does). */
  const batches = new Set<Waiting[]>();
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
    batches.add(batch);
    inFlightCount += batch.length;
    const running_ = run(batch).finally(() => {
      inFlight--;
      inFlightCount -= batch.length;
      running.delete(running_);
      batches.delete(batch);
      // The chain is idle again: what collected meanwhile goes out after the short window.
      pump();
    });
    running.add(running_);
  };

  const run = (batch: Waiting[]) =>
    runBatch(chain, batch, {
      timeoutMs: limits.timeoutMs,
      shutdown,
      onBatch,
      onLateDisclosures: (count) => {
        withoutRelease += count;
        tally?.save(withoutRelease);
      },
      watch: (task) => void task.catch(() => undefined), // not waited for at close
    });

  return {
    disclose(entry, arrivedAt = performance.now()) {
      if (closing) return Promise.reject(shuttingDown());
      if (performance.now() > lastEntryAt(arrivedAt, limits.timeoutMs)) {
        return Promise.reject(chainUnavailable("the chain answered too slowly: no time is left to record this release's disclosure; nothing was done"));
      }
      if (collecting.length + inFlightCount >= limits.maxPending) {
        return Promise.reject(chainUnavailable("too many key releases are waiting for their disclosure; nothing was done"));
      }
      return new Promise<DisclosureReceipt>((resolve, reject) => {
        const at = arrivedAt;
        if (collecting.length === 0) windowOpened = performance.now();
        collecting.push({ entry, at, resolve, reject });
        pump();
      });
    },
    pending: () => collecting.length + inFlightCount,
    disclosuresWithoutRelease: () => withoutRelease,
    close() {
      return (closed ??= shut());
    },
  };
  async function shut(): Promise<void> {
      closing = true;
      const waitMs = limits.closeWaitMs ?? DEFAULT_CLOSE_WAIT_MS;
      const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
      const until = performance.now() + waitMs;
      pump(true);
      while ((running.size > 0 || collecting.length > 0) && performance.now() < until) {
        await Promise.race([Promise.allSettled([...running]), sleep(until - performance.now())]);
        pump(true);
      }
      // What is still pending is given up: each batch sends its no-op and answers SHUTTING_DOWN.
      stopAll();
      for (const waiting of collecting.splice(0)) {
        waiting.reject(shuttingDown());
      }
      await Promise.race([Promise.allSettled([...running]), sleep(waitMs)]);
      // A batch still stuck (its no-op could not be sent) must not hold the shutdown: its releases are answered
      // now (a settled release ignores this).
      for (const batch of batches) {
        for (const waiting of batch) waiting.reject(shuttingDown());
      }
      clearTimer();
  }
}

/** Default of {@link BatcherLimits.closeWaitMs}. */
const DEFAULT_CLOSE_WAIT_MS = 3_000;
