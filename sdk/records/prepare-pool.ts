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
  const workers = Array.from({ length: concurrency - 1 }, () => startWorker());
  const here = async () => {
    while (next < inputs.length) {
      prepareHere(next++);
      await new Promise((resolve) => setImmediate(resolve)); // let the workers' answers in
    }
  };
  try {
    await Promise.all([
      here(),
      ...workers.map(async (worker) => {
        while (next < inputs.length) {
          const index = next++;
          const answer = await run(worker, { id: index, input: inputs[index] });
          if ("records" in answer) {
            results[index] = { records: answer.records };
            settings.onPrepared?.(index, answer.records, inputs[index].length);
          } else if ("issues" in answer) results[index] = { error: new FhirValidationError(answer.issues) };
          else results[index] = { error: new PrepareFailedError(`preparing input ${index + 1} failed (${answer.failure})`) };
        }
      }),
    ]);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return results;
}

/**
 * A worker running `prepare-worker` — compiled JavaScript, or TypeScript through ts-node when this file is.
 * @internal (also the preparation thread of `ingestBundles`)
 */
export function startWorker(): Worker {
  const extension = path.extname(__filename);
  const file = path.join(__dirname, `prepare-worker${extension}`);
  if (extension !== ".ts") return new Worker(file);
  const project = path.resolve(__dirname, "..", "..", "tsconfig.json");
  const code = `require("ts-node").register({ transpileOnly: true, project: ${JSON.stringify(project)} }); require(${JSON.stringify(file)});`;
  return new Worker(code, { eval: true });
}

/**
 * Sends `job` to `worker` and resolves with its answer; rejects with {@link PrepareFailedError} when the worker fails
 * or exits first.
 */
function run(worker: Worker, job: PrepareJob): Promise<PrepareAnswer> {
  return new Promise((resolve, reject) => {
    const onMessage = (answer: PrepareAnswer) => {
      if (answer.id !== job.id) return;
      cleanup();
      resolve(answer);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new PrepareFailedError(`a preparation worker failed (${error.name})`));
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new PrepareFailedError(`a preparation worker exited (code ${code})`));
    };
    const cleanup = () => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    // A copy: the caller keeps its input.
    worker.postMessage(job);
  });
}
