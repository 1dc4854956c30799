/**
 * The worker of {@link prepareInParallel}: prepares the FHIR texts it is sent (validate, split,
 * canonicalise) and sends back the records, moving their plaintext buffers rather than copying them.
 * Messages carry no health data other than the prepared records themselves; a validation failure
 * returns its issues (paths and messages, never values).
 *
 * @module
 */
import { parentPort } from "node:worker_threads";
import { FhirValidationError } from "../fhir/errors";
import { prepareRecords } from "./prepare";

/** A job: one input's UTF-8 JSON. */
export interface PrepareJob {
  id: number;
  input: Uint8Array;
}

/** A job's answer. */
export type PrepareAnswer =
  | { id: number; records: { kind: string; encounter?: string; period?: string; plaintext: Uint8Array }[] }
  | { id: number; issues: { path: string; message: string; code: string }[] }
  | { id: number; failure: string };

parentPort?.on("message", (job: PrepareJob) => {
  let answer: PrepareAnswer;
  try {
    answer = { id: job.id, records: prepareRecords(job.input) };
  } catch (error) {
    answer =
      error instanceof FhirValidationError
        ? { id: job.id, issues: error.issues.map((issue) => ({ ...issue })) }
        : { id: job.id, failure: error instanceof Error ? error.name : "error" };
  }
  const transfer = "records" in answer ? answer.records.map((r) => r.plaintext.buffer as ArrayBuffer) : [];
  parentPort?.postMessage(answer, transfer);
});
