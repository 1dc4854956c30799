/**
 * `validateFhir`: the gate every FHIR input passes before it is encrypted or after it is decrypted.
 *
 * Checks, in order (a later step runs only when the earlier ones pass):
 * 1. the input parses: a JSON string or UTF-8 JSON bytes (with {@link parseFhirJson}: decimals keep their
 *    digits, duplicate property names are refused), or an already-parsed object (from `JSON.parse` or
 *    {@link parseFhirJson});
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
import { hasJsonNumbers, toPlainJson } from "./json-number";
import { parseFhirJson } from "./parse";
import { structureIssues } from "./structure";

/**
 * Validates FHIR R4 JSON — a Bundle or any single resource — and returns it typed, with plain
 * JavaScript values (numbers as `number`: a decimal's trailing zeros are not kept there; use
 * {@link checkFhir} on a {@link parseFhirJson} tree to keep them).
 *
 * @param input A JSON string, UTF-8 JSON bytes, or a parsed JSON object. An object without
 *   {@link JsonNumber}s is returned as is (same reference, not copied); strings, bytes and trees
 *   holding `JsonNumber`s come back as a plain copy.
 * @param expectedType When given, the resource must be of this type (e.g. `"Bundle"`).
 * @returns The validated resource.
 * @throws FhirValidationError (code `FHIR_INVALID`) naming every wrong element.
 */
export function validateFhir(input: unknown): Resource;
export function validateFhir<K extends ResourceType>(input: unknown, expectedType: K): ExtractResource<K>;
export function validateFhir(input: unknown, expectedType?: ResourceType): Resource {
  const tree = typeof input === "string" || input instanceof Uint8Array ? parseFhirJson(input) : input;
  const plain = hasJsonNumbers(tree) ? toPlainJson(tree) : tree;
  checkPlain(plain, expectedType);
  return plain as Resource;
}

/**
 * Validates a lossless FHIR JSON tree (from {@link parseFhirJson}; plain values work too) and returns
 * the same tree, not copied: what is stored keeps every digit, and the checks run on a plain copy.
 * @param tree The parsed resource.
 * @param expectedType When given, the resource must be of this type.
 * @throws FhirValidationError (code `FHIR_INVALID`) naming every wrong element.
 */
export function checkFhir(tree: unknown, expectedType?: ResourceType): Resource {
  checkPlain(hasJsonNumbers(tree) ? toPlainJson(tree) : tree, expectedType);
  return tree as Resource;
}

function checkPlain(value: unknown, expectedType?: ResourceType): void {
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
}
