/**
 * The preparation threads of an ingest: worker threads that validate, split and canonicalise the FHIR inputs given
 * as text or bytes, so that the calling thread seals, stores and mints meanwhile instead of validating (FHIR
 * validation is about a third of an ingest's CPU on the calling thread). Node only (`node:worker_threads`).
 *
 * @module
 */
import type { Worker } from "node:worker_threads";
import { FhirValidationError } from "../fhir/errors";
import { PrepareFailedError, startWorker } from "./prepare-pool";
import type { PreparedRecord } from "./prepare";
import type { PrepareAnswer } from "./prepare-worker";

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

interface Lane {
  worker: Worker;
  /** Jobs sent and not answered, by id. */
  waiting: Map<number, { resolve(answer: PrepareAnswer): void; reject(error: unknown): void }>;
  /** Why the worker can take no more jobs, once it cannot. */
  failed?: PrepareFailedError;
}

/** One worker with one listener per event, however many jobs wait on it. */
function startLane(): Lane {
  const lane: Lane = { worker: startWorker(), waiting: new Map() };
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
 * `count` preparation threads, started at their first job (a worker loads its own copy of the R4 definitions,
 * about half a second).
 * @param count At least 1.
 */
export function prepareThreads(count: number): PrepareThreads {
  const lanes: Lane[] = [];
  let next = 0;
  let jobs = 0;
  let closed = false;
  return {
    async prepare(input) {
      if (closed) throw new PrepareFailedError("the preparation threads are stopped");
      const index = next++ % Math.max(1, count);
      const lane = (lanes[index] ??= startLane());
      if (lane.failed) throw lane.failed;
      const id = jobs++;
      const answer = await new Promise<PrepareAnswer>((resolve, reject) => {
        lane.waiting.set(id, { resolve, reject });
        lane.worker.postMessage({ id, input }); // a copy: the caller keeps its input
      });
      if ("records" in answer) return answer.records;
      if ("issues" in answer) throw new FhirValidationError(answer.issues);
      throw new PrepareFailedError(`preparing an input failed (${answer.failure})`);
    },
    async close() {
      closed = true;
      await Promise.all(lanes.map((lane) => lane.worker.terminate()));
    },
  };
}
