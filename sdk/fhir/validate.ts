/**
 * `validateFhir`: the gate every FHIR input passes before it is encrypted or after it is decrypted.
 *
 * Checks, in order (a later step runs only when the earlier ones pass):
 * 1. the input parses: a JSON string, UTF-8 JSON bytes, or an already-parsed object;
 * 2. every resource position holds a concrete FHIR R4 resource type (`structure.ts`);
 * 3. the R4 StructureDefinitions, with `@medplum/core`'s validator (`schema.ts`): it validates every
 *    resource inside a Bundle (and contained resources) with paths like `Bundle.entry[3].resource.status`;
 * 4. required `code` bindings and `id` formats (`bindings.ts`).
 *
 * Every problem found by the failing step is reported in {@link FhirValidationError.issues}, each
 * with its element path and the validator's message and never the element's value.
 *
 * @module
 */
import type { ExtractResource, Resource, ResourceType } from "@medplum/fhirtypes";
import { bindingIssues } from "./bindings";
import { FhirValidationError, type FhirIssue } from "./errors";
import { schemaIssues } from "./schema";
import { ROOT_PATH, structureIssues } from "./structure";

/**
 * Validates FHIR R4 JSON — a Bundle or any single resource — and returns it typed.
 *
 * @param input A JSON string, UTF-8 JSON bytes, or a parsed JSON object. An object is returned as
 *   is (same reference, not copied); strings and bytes are parsed.
 * @param expectedType When given, the resource must be of this type (e.g. `"Bundle"`).
 * @returns The validated resource.
 * @throws FhirValidationError (code `FHIR_INVALID`) naming every wrong element.
 */
export function validateFhir(input: unknown): Resource;
export function validateFhir<K extends ResourceType>(input: unknown, expectedType: K): ExtractResource<K>;
export function validateFhir(input: unknown, expectedType?: ResourceType): Resource {
  const value = parseInput(input);
  const structural = structureIssues(value);
  if (structural.length > 0) throw new FhirValidationError(structural);
  const resource = value as Resource;
  if (expectedType !== undefined && resource.resourceType !== expectedType) {
    throw new FhirValidationError([{ path: "resourceType", message: `Expected resource type ${expectedType}`, code: "invalid" }]);
  }
  const issues = schemaIssues(resource, resource.resourceType);
  if (issues.length > 0) throw new FhirValidationError(issues);
  let terminology: FhirIssue[];
  try {
    terminology = bindingIssues(resource);
  } catch {
    terminology = [{ path: resource.resourceType, message: "The validator could not process this resource's elements", code: "structure" }];
  }
  if (terminology.length > 0) throw new FhirValidationError(terminology);
  return resource;
}

/** Parses a string or bytes as JSON; passes anything else through. */
function parseInput(input: unknown): unknown {
  let text: string;
  if (typeof input === "string") text = input;
  else if (input instanceof Uint8Array) {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(input);
    } catch {
      throw new FhirValidationError([{ path: ROOT_PATH, message: "Invalid UTF-8", code: "structure" }]);
    }
  } else return input;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // The engine's message may quote the input, so only the position is kept.
    const position = err instanceof Error ? /at position (\d+)/.exec(err.message)?.[1] : undefined;
    const where = position === undefined ? "" : ` at position ${position}`;
    throw new FhirValidationError([{ path: ROOT_PATH, message: `Invalid JSON${where}`, code: "structure" }]);
  }
}
