/**
 * Structural validation against the FHIR R4 StructureDefinitions with `@medplum/core`'s
 * `validateResource`: JSON types, primitive formats, cardinality (required elements), unknown
 * elements, choice types, reference targets, FHIRPath invariants; it descends into contained
 * resources and Bundle entries.
 *
 * @module
 */
import { OperationOutcomeError, validateResource } from "@medplum/core";
import type { OperationOutcomeIssue, Resource } from "@medplum/fhirtypes";
import { loadR4Definitions } from "./definitions";
import type { FhirIssue } from "./errors";

/**
 * Error-level issues that the R4 StructureDefinitions find in `resource` (empty when it conforms).
 * Warnings are dropped. Messages are the validator's own (`details.text`, which names element
 * names and spec text, never element values); `diagnostics` is dropped, as it may quote values.
 * An exception other than the validator's outcome becomes one issue at `rootPath` with a fixed
 * message, since its text could quote the input.
 */
export function schemaIssues(resource: Resource, rootPath: string): FhirIssue[] {
  loadR4Definitions();
  try {
    validateResource(resource);
    return [];
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      return err.outcome.issue.filter(isError).map((issue) => toFhirIssue(issue, rootPath));
    }
    return [{ path: rootPath, message: "The validator could not process this resource's structure", code: "structure" }];
  }
}

function isError(issue: OperationOutcomeIssue): boolean {
  return issue.severity === "error" || issue.severity === "fatal";
}

function toFhirIssue(issue: OperationOutcomeIssue, rootPath: string): FhirIssue {
  return {
    path: issue.expression?.[0] ?? rootPath,
    message: issue.details?.text ?? "Invalid",
    code: issue.code,
  };
}
