/**
 * What a read checks of a record's plaintext once AES-GCM has authenticated it: that it is UTF-8 JSON of a FHIR
 * Bundle whose entries are resources. The bytes are the writer's own (the AEAD binds them to chain, token and
 * version, and the chain's content hash to the ciphertext), and every SDK writer validated them against the R4
 * definitions before sealing (`prepareRecords`), so the read does not validate them again: it hands back exactly
 * what was written, and refuses what cannot be a record.
 *
 * @module
 */
import type { Bundle } from "@medplum/fhirtypes";
import { FhirValidationError, type FhirIssue } from "../fhir/errors";

const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The record's Bundle with plain JavaScript values (`JSON.parse`: a decimal as a `number`), after a structural
 * check: an object with `resourceType` `Bundle`, `entry` (when present) an array of objects whose `resource` (when
 * present) is an object with a string `resourceType`.
 * @param plaintext The authenticated plaintext of a record.
 * @throws {FhirValidationError} (`FHIR_INVALID`) when it is not UTF-8 JSON of such a Bundle; the issues name the
 *   element, never its value.
 */
export function recordBundle(plaintext: Uint8Array): Bundle {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(plaintext));
  } catch {
    throw invalid("$", "The record is not UTF-8 JSON");
  }
  if (!isObject(value) || value.resourceType !== "Bundle") throw invalid("resourceType", "Expected resource type Bundle");
  const { entry } = value;
  if (entry !== undefined) {
    if (!Array.isArray(entry)) throw invalid("Bundle.entry", "Expected an array");
    for (const [i, item] of entry.entries()) {
      if (!isObject(item)) throw invalid(`Bundle.entry[${i}]`, "Expected an object");
      const { resource } = item;
      if (resource !== undefined && (!isObject(resource) || typeof resource.resourceType !== "string")) {
        throw invalid(`Bundle.entry[${i}].resource.resourceType`, "Expected a resource");
      }
    }
  }
  return value as unknown as Bundle;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(path: string, message: string): FhirValidationError {
  const issue: FhirIssue = { path, message, code: "structure" };
  return new FhirValidationError([issue]);
}
