/**
 * The preparation threads of an ingest: worker threads that validate, split and canonicalise the FHIR inputs given
 * as text or bytes, so that the calling thread seals, stores and mints meanwhile instead of validating (FHIR
 * validation is about a third of an ingest's CPU on the calling thread). Node only (`node:worker_threads`).
 *
 * @module
 */
import { ask, outcomeOf, PrepareFailedError, startLane, type PrepareLane } from "./prepare-pool";
import type { PreparedRecord } from "./prepare";

/** Threads that prepare inputs, in the order they are asked, each input on the next thread in turn. */
export interface PrepareThreads {
  /**
   * The records of one input (UTF-8 FHIR JSON), prepared on a worker thread.
   * @throws {FhirValidationError} The input is not valid FHIR R4 (its issues, as `prepareRecords` reports them).
   * @throws {PrepareFailedError} The worker failed or exited.
   */
  prepare(input: Uint8Array): Promise<PreparedRecord[]>;
  /** Stops the threads (those not started yet are never started); jobs not answered fail. */
  close(): Promise<void>;
}

/**
 * `count` preparation threads, started at their first job (a worker loads its own copy of the R4 definitions,
 * about half a second).
 * @param count At least 1.
 */
export function prepareThreads(count: number): PrepareThreads {
  const lanes: PrepareLane[] = [];
  let next = 0;
  let closed = false;
  return {
    async prepare(input) {
      if (closed) throw new PrepareFailedError("the preparation threads are stopped");
      const index = next++ % Math.max(1, count);
      const outcome = outcomeOf(await ask((lanes[index] ??= startLane()), input), "an input");
      if ("error" in outcome) throw outcome.error;
      return outcome.records;
    },
    async close() {
      closed = true;
      await Promise.all(lanes.map((lane) => lane.worker.terminate()));
    },
  };
}
