/**
 * Errors of the FHIR domain of the SDK.
 *
 * @module
 */
import { MedrecError } from "../errors";

/**
 * One reason why a FHIR input was rejected.
 *
 * Carries where (the element path) and what (the validator's message), never the offending value:
 * the input is patient data and error messages end up in logs.
 */
export interface FhirIssue {
  /**
   * FHIRPath-style path of the wrong element, e.g. `Patient.birthDate` or
   * `Bundle.entry[2].resource.status`; `resourceType` (or `….resource.resourceType`) for a missing or
   * unknown resource type; `$` for the input as a whole (not JSON, not an object).
   */
  readonly path: string;
  /** What is wrong, as the validator said it (never the element's value). */
  readonly message: string;
  /** FHIR `OperationOutcome.issue.code`, e.g. `structure`, `invalid`, `code-invalid`, `invariant`. */
  readonly code: string;
}

/** Formats at most this many issues into {@link FhirValidationError.message}; `issues` has them all. */
const MESSAGE_ISSUES = 5;

/**
 * FHIR input that is not valid FHIR R4: bad JSON, not a resource, unknown resource type, or a resource
 * (or a resource inside a Bundle) that fails the R4 StructureDefinitions or a required terminology
 * binding. `issues` names every wrong element.
 */
export class FhirValidationError extends MedrecError {
  declare readonly code: "FHIR_INVALID";
  /** Every problem found, in the validator's order; never empty. */
  readonly issues: readonly FhirIssue[];

  /** @param issues What is wrong and where; must not carry element values. */
  constructor(issues: readonly FhirIssue[], options?: ErrorOptions) {
    super("FHIR_INVALID", "invalid-input", describeIssues(issues), options);
    this.issues = Object.freeze([...issues]);
  }
}

/** `"invalid FHIR R4: Patient.birthDate: Invalid date format; …"` from the first issues. */
function describeIssues(issues: readonly FhirIssue[]): string {
  const shown = issues.slice(0, MESSAGE_ISSUES).map((issue) => `${issue.path}: ${issue.message}`);
  const more = issues.length > MESSAGE_ISSUES ? `; and ${issues.length - MESSAGE_ISSUES} more` : "";
  return `invalid FHIR R4 (${issues.length} issue${issues.length === 1 ? "" : "s"}): ${shown.join("; ")}${more}`;
}
