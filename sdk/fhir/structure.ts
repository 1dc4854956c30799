/**
 * The structural pre-check run before the schema validator: every place that holds a resource
 * (the input itself, `contained[]`, `Bundle.entry[].resource`, `Bundle.entry[].response.outcome`,
 * `Parameters.parameter[].resource`, recursively through `part[]`) must hold a JSON object with a
 * concrete FHIR R4 `resourceType`. `@medplum/core` would otherwise report an unknown type without
 * saying where, and accepts a Bundle entry whose `resource` is not a resource at all.
 *
 * @module
 */
import { isR4ResourceType } from "./definitions";
import type { FhirIssue } from "./errors";
import { isPlainObject, type JsonObject } from "./json";

/** Path used for the input as a whole. */
export const ROOT_PATH = "$";

/**
 * Issues of the resource positions in `value` (empty when all hold known resource types).
 * `path` is where `value` sits (`""` for the input itself).
 */
export function structureIssues(value: unknown, path = ""): FhirIssue[] {
  const issues: FhirIssue[] = [];
  checkResource(value, path, issues);
  return issues;
}

function child(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

function checkResource(value: unknown, path: string, issues: FhirIssue[]): void {
  if (!isPlainObject(value)) {
    issues.push({ path: path === "" ? ROOT_PATH : path, message: "Expected a FHIR resource (a JSON object)", code: "structure" });
    return;
  }
  const resourceType = value.resourceType;
  if (typeof resourceType !== "string" || resourceType === "") {
    issues.push({ path: child(path, "resourceType"), message: "Missing resource type", code: "required" });
    return;
  }
  if (!isR4ResourceType(resourceType)) {
    issues.push({ path: child(path, "resourceType"), message: "Unknown FHIR R4 resource type", code: "not-supported" });
    return;
  }
  const self = path === "" ? resourceType : path;
  forEachItem(value.contained, `${self}.contained`, (item, itemPath) => checkResource(item, itemPath, issues));
  if (resourceType === "Bundle") {
    forEachItem(value.entry, `${self}.entry`, (entry, entryPath) => {
      if (!isPlainObject(entry)) return; // the schema validator reports it with its path
      if (entry.resource !== undefined) checkResource(entry.resource, `${entryPath}.resource`, issues);
      const response = entry.response;
      if (isPlainObject(response) && response.outcome !== undefined) checkResource(response.outcome, `${entryPath}.response.outcome`, issues);
    });
  }
  if (resourceType === "Parameters") checkParameters(value, self, issues);
}

function checkParameters(owner: JsonObject, path: string, issues: FhirIssue[], key = "parameter"): void {
  forEachItem(owner[key], `${path}.${key}`, (parameter, parameterPath) => {
    if (!isPlainObject(parameter)) return;
    if (parameter.resource !== undefined) checkResource(parameter.resource, `${parameterPath}.resource`, issues);
    checkParameters(parameter, parameterPath, issues, "part");
  });
}

function forEachItem(value: unknown, path: string, visit: (item: unknown, itemPath: string) => void): void {
  if (!Array.isArray(value)) return;
  value.forEach((item, index) => visit(item, `${path}[${index}]`));
}
