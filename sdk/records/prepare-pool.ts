/**
 * `prepareInParallel`: prepares many FHIR inputs (validate → split → canonicalise, see
 * `prepareRecords`) on several threads at once, for bulk ingest on a machine with more than one core.
 *
 * Validation of FHIR is CPU-bound JavaScript, so `Promise`-level concurrency does not make it faster;
 * this runs `concurrency − 1` worker threads next to the calling thread, each with its own copy of the
 * R4 definitions (about half a second to load, and some 100 MB). Small inputs (under {@link PARALLEL_THRESHOLD_BYTES} in total) or
 * `concurrency` 1 are prepared in this thread, where the start-up of workers would cost more than it saves.
 *
 * @module
 */
import os from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { FhirValidationError } from "../fhir/errors";
import { MedrecError } from "../errors";
import { prepareRecords, type PreparedRecord } from "./prepare";
import type { PrepareAnswer, PrepareJob } from "./prepare-worker";

/**
 * Below this many input bytes in total, preparation stays in the calling thread unless a concurrency is
 * asked for. A worker needs 1–4 s to start (loading the definitions, warming up), and on a 2-core
 * machine one V8 isolate already keeps about 1.2 cores busy (its GC and compiler threads), so lanes pay
 * off only on larger inputs and more cores (see the `fhir` section of `npm run bench`).
 */
export const PARALLEL_THRESHOLD_BYTES = 8 * 1024 * 1024;

/** Settings of {@link prepareInParallel}. */
export interface PrepareSettings {
  /**
   * Lanes (this thread and `concurrency − 1` workers). Default: one less than the CPU cores, at most 4,
   * and only from {@link PARALLEL_THRESHOLD_BYTES} of input on; given explicitly, used whatever the size.
   */
  concurrency?: number;
  /** Total input size from which workers are used (default {@link PARALLEL_THRESHOLD_BYTES}, or 0 when `concurrency` is given). */
  minParallelBytes?: number;
  /** Called as each input is prepared (in completion order) with its index and input byte count. */
  onPrepared?: (index: number, records: PreparedRecord[], inputBytes: number) => void;
}

/** The preparation of one input failed for a reason other than invalid FHIR (a crashed worker, say). */
export class PrepareFailedError extends MedrecError {
  declare readonly code: "PREPARE_FAILED";
  /** @param message What failed (never input content). */
  constructor(message: string) {
    super("PREPARE_FAILED", "internal", message);
  }
}

/** The preparation of one input: its records, or why it could not be prepared. */
export type PrepareOutcome = { records: PreparedRecord[] } | { error: FhirValidationError | PrepareFailedError };

/**
 * Prepares every input, invalid ones included (so that all of them can be reported at once); the
 * outcomes are in input order.
 * @param inputs UTF-8 JSON of each input (a Bundle or a resource).
 */
export async function prepareInParallel(inputs: readonly Uint8Array[], settings: PrepareSettings = {}): Promise<PrepareOutcome[]> {
  const concurrency = Math.max(1, Math.min(settings.concurrency ?? Math.min(4, os.cpus().length - 1), inputs.length));
  const minParallelBytes = settings.minParallelBytes ?? (settings.concurrency === undefined ? PARALLEL_THRESHOLD_BYTES : 0);
  const total = inputs.reduce((n, input) => n + input.length, 0);
  const results: PrepareOutcome[] = new Array(inputs.length);
  let next = 0;
  const prepareHere = (index: number) => {
    const input = inputs[index];
    try {
      const records = prepareRecords(input);
      results[index] = { records };
      settings.onPrepared?.(index, records, input.length);
    } catch (error) {
      if (!(error instanceof FhirValidationError)) throw error;
      results[index] = { error };
    }
  };
  if (concurrency === 1 || total < minParallelBytes) {
    while (next < inputs.length) prepareHere(next++);
    return results;
  }
  // This thread is one of the `concurrency` lanes: it starts at once while the workers start up
  // (loading the definitions costs each of them 1–2 s), and takes the next input between jobs.
  const lanes = Array.from({ length: concurrency - 1 }, () => startLane());
  const here = async () => {
    while (next < inputs.length) {
      prepareHere(next++);
      await new Promise((resolve) => setImmediate(resolve)); // let the workers' answers in
    }
  };
  try {
    await Promise.all([
      here(),
      ...lanes.map(async (lane) => {
        while (next < inputs.length) {
          const index = next++;
          const outcome = outcomeOf(await ask(lane, inputs[index]), `input ${index + 1}`);
          results[index] = outcome;
          if ("records" in outcome) settings.onPrepared?.(index, outcome.records, inputs[index].length);
        }
      }),
    ]);
  } finally {
    await Promise.all(lanes.map((lane) => lane.worker.terminate()));
  }
  return results;
}

/** A worker running `prepare-worker` — compiled JavaScript, or TypeScript through ts-node when this file is. */
function startWorker(): Worker {
  const extension = path.extname(__filename);
  const file = path.join(__dirname, `prepare-worker${extension}`);
  if (extension !== ".ts") return new Worker(file);
  const project = path.resolve(__dirname, "..", "..", "tsconfig.json");
  const code = `require("ts-node").register({ transpileOnly: true, project: ${JSON.stringify(project)} }); require(${JSON.stringify(file)});`;
  return new Worker(code, { eval: true });
}

/**
 * One preparation worker and the jobs waiting on it, with one listener per worker event however many wait.
 * @internal (the lanes of {@link prepareInParallel} and the preparation threads of `ingestBundles`)
 */
export interface PrepareLane {
  worker: Worker;
  /** Jobs sent and not answered, by id. */
  waiting: Map<number, { resolve(answer: PrepareAnswer): void; reject(error: unknown): void }>;
  /** Why the worker can take no more jobs, once it cannot. */
  failed?: PrepareFailedError;
  /** The id of the next job. */
  jobs: number;
}

/** Starts a worker as a {@link PrepareLane}. @internal */
export function startLane(): PrepareLane {
  const lane: PrepareLane = { worker: startWorker(), waiting: new Map(), jobs: 0 };
  const failAll = (error: PrepareFailedError) => {
    lane.failed ??= error;
    for (const job of lane.waiting.values()) job.reject(lane.failed);
    lane.waiting.clear();
  };
  lane.worker.on("message", (answer: PrepareAnswer) => {
    const job = lane.waiting.get(answer.id);
    lane.waiting.delete(answer.id);
    job?.resolve(answer);
  });
  lane.worker.on("error", (error: Error) => failAll(new PrepareFailedError(`a preparation worker failed (${error.name})`)));
  lane.worker.on("exit", (code: number) => failAll(new PrepareFailedError(`a preparation worker exited (code ${code})`)));
  return lane;
}

/**
 * Sends one input (a copy: the caller keeps it) to `lane`'s worker and resolves with its answer; rejects with
 * {@link PrepareFailedError} when the worker failed or exits first. @internal
 */
export function ask(lane: PrepareLane, input: Uint8Array): Promise<PrepareAnswer> {
  if (lane.failed) return Promise.reject(lane.failed);
  const id = lane.jobs++;
  return new Promise((resolve, reject) => {
    lane.waiting.set(id, { resolve, reject });
    lane.worker.postMessage({ id, input } satisfies PrepareJob);
  });
}

/**
 * A worker's answer as an outcome: its records, its FHIR issues, or a failure naming `what` (`input 3`).
 * @internal
 */
export function outcomeOf(answer: PrepareAnswer, what: string): PrepareOutcome {
  if ("records" in answer) return { records: answer.records };
  if ("issues" in answer) return { error: new FhirValidationError(answer.issues) };
  return { error: new PrepareFailedError(`preparing ${what} failed (${answer.failure})`) };
}
