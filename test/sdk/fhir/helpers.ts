/** Helpers shared by the FHIR SDK tests. */
import { expect } from "chai";
import type { Bundle, Resource } from "@medplum/fhirtypes";
import { FhirValidationError, validateFhir, type FhirIssue } from "../../../sdk/fhir";
import { MedrecError } from "../../../sdk/errors";

/** A deep copy of JSON data. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Runs `validateFhir(input)`, expects a FhirValidationError and returns its issues. */
export function rejectionOf(input: unknown): readonly FhirIssue[] {
  try {
    validateFhir(input);
  } catch (err) {
    expect(err).to.be.instanceOf(FhirValidationError);
    expect(err).to.be.instanceOf(MedrecError);
    const error = err as FhirValidationError;
    expect(error.code).to.equal("FHIR_INVALID");
    expect(error.issues).to.not.be.empty;
    return error.issues;
  }
  expect.fail("validateFhir accepted invalid input");
}

/** Expects `validateFhir(input)` to reject with an issue at `path` whose message matches `message`. */
export function expectRejectedAt(input: unknown, path: string, message?: RegExp): readonly FhirIssue[] {
  const issues = rejectionOf(input);
  const at = issues.filter((issue) => issue.path === path);
  expect(at, `issues: ${JSON.stringify(issues)}`).to.not.be.empty;
  if (message) expect(at.some((issue) => message.test(issue.message)), `issues: ${JSON.stringify(issues)}`).to.equal(true);
  return issues;
}

/** The resources of a Bundle. */
export function resourcesOf(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).flatMap((entry) => (entry.resource ? [entry.resource] : []));
}

/** Fisher–Yates shuffle driven by `random` (a function returning [0, 1)). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
