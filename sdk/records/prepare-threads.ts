/**
 * The preparation threads of an ingest: worker threads that validate, split and canonicalise the FHIR inputs given
 * as text or bytes, so that the calling thread seals, stores and mints meanwhile instead of validating (FHIR
 * validation is about a third of an ingest's CPU on the calling thread). Node only (`node:worker_threads`).
 *
 * @module
 */
import type { Worker } from "node:worker_threads";
import { FhirValidationError } from "../fhir/errors";
import { PrepareFailedError, run, startWorker } from "./prepare-pool";
import type { PreparedRecord } from "./prepare";

/** Threads that prepare inputs, in the order they are asked, each input on the next thread in turn. */
export interface PrepareThreads {
  /**
   * The records of one input (UTF-8 FHIR JSON), prepared on a worker thread.
   * @throws {FhirValidationError} The input is not valid FHIR R4 (its issues, as `prepareRecords` reports them).
   * @throws {PrepareFailedError} The worker failed or exited.
   */
  prepare(input: Uint8Array): Promise<PreparedRecord[]>;
  /** Stops the threads (those not started yet are never started). */
  close(): Promise<void>;
}

/**
 * `count` preparation threads, started at their first job (a worker loads its own copy of the R4 definitions,
 * about half a second).
 * @param count At least 1.
 */
export function prepareThreads(count: number): PrepareThreads {
  const workers: Worker[] = [];
  const exited: boolean[] = [];
  let next = 0;
  let jobs = 0;
  let closed = false;
  return {
    async prepare(input) {
      if (closed) throw new PrepareFailedError("the preparation threads are stopped");
      const lane = next++ % Math.max(1, count);
      if (exited[lane]) throw new PrepareFailedError("a preparation worker exited");
      if (workers[lane] === undefined) {
        workers[lane] = startWorker();
        workers[lane].once("exit", () => (exited[lane] = true)); // later jobs fail at once instead of waiting
      }
      const answer = await run(workers[lane], { id: jobs++, input });
      if ("records" in answer) return answer.records;
      if ("issues" in answer) throw new FhirValidationError(answer.issues);
      throw new PrepareFailedError(`preparing an input failed (${answer.failure})`);
    },
    async close() {
      closed = true;
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
