/**
 * Structural validation against the FHIR R4 StructureDefinitions with `@medplum/core`'s
 * `validateResource`: JSON types, primitive formats, cardinality (required elements), unknown
 * elements, choice types, reference targets, FHIRPath invariants; it descends into contained
 * resources and Bundle entries.
 *
 * One correction: the validator refuses every string-typed primitive over 1 MB ("String cannot be
 * larger than 1 MB") and then skips its format check, but R4 sets that limit on `string` only
 * (https://hl7.org/fhir/R4/datatypes.html#string). A `base64Binary` value — `Attachment.data` (a
 * scanned PDF in `DocumentReference.content.attachment`), `Binary.data`, `Signature.data`,
 * `Extension.valueBase64Binary` — may be larger: for those the issue is dropped and the base64
 * format is checked here instead ({@link base64FormatProblem}, one linear pass). Other strings over
 * 1 MB (`Patient.name.text`, `Observation.valueString`, …) are still refused.
 *
 * A second correction: inside a Bundle the validator checks an entry's resource only element by
 * element, and skips its resource-level invariants (`obs-6`, `obs-7`, `dom-*`, …). So a Bundle is
 * validated as its shell (every entry's resource replaced by a stub of its `resourceType`, `id` and
 * `meta`, which is all the Bundle's own invariants look at) plus each entry's resource on its own,
 * with the paths put back under `Bundle.entry[i].resource`. Nested Bundles the same way.
 *
 * @module
 */
import { crawlTypedValue, OperationOutcomeError, toTypedValue, validateResource } from "@medplum/core";
import type { OperationOutcomeIssue, Resource } from "@medplum/fhirtypes";
import { loadR4Definitions } from "./definitions";
import { valueAtPath } from "./element-value";
import type { FhirIssue } from "./errors";
import { base64FormatProblem } from "./formats";
import { explainIssue, formatMessage } from "./messages";

/** What `@medplum/core` says of any string-typed primitive over 1 MB. */
const TOO_LARGE = "String cannot be larger than 1 MB";

/**
 * Error-level issues that the R4 StructureDefinitions find in `resource` (empty when it conforms).
 * Warnings are dropped. Messages are the validator's (`details.text`, which names element names and
 * spec text, never element values) rewritten as sentences by {@link explainIssue}; `diagnostics` is
 * dropped, as it may quote values. An exception other than the validator's outcome becomes one
 * issue at `rootPath` with a fixed message, since its text could quote the input.
 */
export function schemaIssues(resource: Resource, rootPath: string): FhirIssue[] {
  loadR4Definitions();
  if (resource.resourceType !== "Bundle" || !Array.isArray(resource.entry)) return resourceIssues(resource, rootPath);
  const entries = resource.entry as unknown[];
  const stubbed = { ...resource, entry: entries.map((entry) => (hasResource(entry) ? { ...entry, resource: stubOf(entry.resource) } : entry)) } as Resource;
  const shell = resourceIssues(stubbed, rootPath).filter((issue) => !ENTRY_RESOURCE_PATH.test(issue.path));
  const inner = entries.flatMap((entry, index) => {
    if (!hasResource(entry)) return [];
    const type = entry.resource.resourceType;
    const at = `${rootPath}.entry[${index}].resource`;
    return schemaIssues(entry.resource, type).map((issue) => ({ ...issue, path: rebase(issue.path, type, at) }));
  });
  return [...shell, ...inner];
}

/** A path at or under an entry's resource: left to the validation of that resource on its own. */
const ENTRY_RESOURCE_PATH = /^[A-Za-z]+\.entry\[\d+\]\.resource(?:$|[.[])/;

function hasResource(entry: unknown): entry is { resource: Resource } {
  if (typeof entry !== "object" || entry === null) return false;
  const resource = (entry as { resource?: unknown }).resource;
  return typeof resource === "object" && resource !== null && typeof (resource as { resourceType?: unknown }).resourceType === "string";
}

/** What the Bundle's own invariants read of an entry's resource: its type, id and meta. */
function stubOf(resource: Resource): Resource {
  const { resourceType, id, meta } = resource;
  return { resourceType, ...(id === undefined ? {} : { id }), ...(meta === undefined ? {} : { meta }) } as Resource;
}

/** `Observation.status` → `Bundle.entry[3].resource.status`. */
function rebase(path: string, type: string, at: string): string {
  if (path === type) return at;
  if (path.startsWith(`${type}.`) || path.startsWith(`${type}[`)) return at + path.slice(type.length);
  return path;
}

function resourceIssues(resource: Resource, rootPath: string): FhirIssue[] {
  let outcome: OperationOutcomeIssue[];
  try {
    validateResource(resource);
    outcome = [];
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) {
      return [{ path: rootPath, message: "The validator could not process this resource's structure", code: "structure" }];
    }
    outcome = err.outcome.issue.filter(isError);
  }
  const tooLarge = outcome.some((issue) => issue.details?.text === TOO_LARGE);
  const base64 = tooLarge ? largeBase64Values(resource) : new Map<string, string>();
  const kept = outcome.filter((issue) => issue.details?.text !== TOO_LARGE || !base64.has(pathOf(issue, rootPath)));
  return [...kept.map((issue) => toFhirIssue(issue, resource, rootPath)), ...base64Issues(base64)];
}

function isError(issue: OperationOutcomeIssue): boolean {
  return issue.severity === "error" || issue.severity === "fatal";
}

function pathOf(issue: OperationOutcomeIssue, rootPath: string): string {
  return issue.expression?.[0] ?? rootPath;
}

function toFhirIssue(issue: OperationOutcomeIssue, resource: Resource, rootPath: string): FhirIssue {
  const path = pathOf(issue, rootPath);
  const text = issue.details?.text;
  return {
    path,
    message: text === undefined ? "Invalid" : explainIssue(text, path, valueAtPath(resource, path)),
    code: issue.code,
  };
}

/** Paths → values of the `base64Binary` elements over 1 MB in `resource`, as the validator names them. */
function largeBase64Values(resource: Resource): Map<string, string> {
  const values = new Map<string, string>();
  try {
    crawlTypedValue(toTypedValue(resource), {
      visitProperty(_parent, _key, _path, propertyValues) {
        for (const value of propertyValues.flat()) {
          if (value.type === "base64Binary" && typeof value.value === "string" && value.value.length > 1024 * 1024) values.set(value.path, value.value);
        }
      },
    });
  } catch {
    // A resource the crawler cannot walk keeps the validator's verdict.
  }
  return values;
}

/** Format issues of large `base64Binary` values (the validator skipped their format check). */
function base64Issues(values: ReadonlyMap<string, string>): FhirIssue[] {
  const issues: FhirIssue[] = [];
  for (const [path, value] of values) {
    if (base64FormatProblem(value) !== undefined) issues.push({ path, message: formatMessage("base64Binary", value), code: "structure" });
  }
  return issues;
}
