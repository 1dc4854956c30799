/**
 * Element checks that `@medplum/core`'s validator does not make, done by crawling the resource with
 * its schema: no string is empty (the validator skips `""` as if absent); a `code` element bound `required` holds a code of its value set (see
 * {@link requiredCodes}), and every `Resource.id` matches the R4 `id` format (the validator types
 * `Resource.id` as a plain string; `meta.versionId` and other `id`-typed elements it checks itself).
 *
 * @module
 */
import { crawlTypedValue, isResourceTypeSchema, toTypedValue, type InternalSchemaElement, type InternalTypeSchema, type TypedValueWithPath } from "@medplum/core";
import type { Resource } from "@medplum/fhirtypes";
import { loadR4Definitions } from "./definitions";
import type { FhirIssue } from "./errors";
import { idFormatProblem } from "./formats";
import { requiredCodes, valueSetName } from "./terminology";

/**
 * Issues of required `code` bindings and resource `id` formats anywhere in `resource` (contained resources
 * and Bundle entries included). Expects a resource that passed the structural checks; throws what
 * the crawler throws otherwise.
 */
export function bindingIssues(resource: Resource): FhirIssue[] {
  loadR4Definitions();
  const issues: FhirIssue[] = [];
  crawlTypedValue(
    toTypedValue(resource),
    {
      visitProperty(parent, key, path, propertyValues, schema) {
        if (emptyStringIssues(parent.value, key, path, issues)) return;
        const element = elementOf(schema, key);
        const resourceId = key === "id" && isResourceTypeSchema(schema);
        for (const value of propertyValues.flat()) checkValue(value, element, resourceId, issues);
      },
    },
    { skipMissingProperties: true },
  );
  return issues;
}

/**
 * Issues for empty strings in property `key` of `owner` (R4 JSON: a string SHALL NOT be empty);
 * true when there were any. `@medplum/core` treats `""` as absent and never checks it.
 */
function emptyStringIssues(owner: unknown, key: string, path: string, issues: FhirIssue[]): boolean {
  const raw: unknown = typeof owner === "object" && owner !== null ? (owner as { [key: string]: unknown })[key] : undefined;
  const before = issues.length;
  if (raw === "") issues.push({ path, message: EMPTY_STRING, code: "value" });
  else if (Array.isArray(raw)) raw.forEach((item, i) => item === "" && issues.push({ path: `${path}[${i}]`, message: EMPTY_STRING, code: "value" }));
  return issues.length > before;
}

const EMPTY_STRING = "Empty value: a string must contain non-whitespace content";

/** The element definition of property `key` (`valueCode` → `value[x]`). */
function elementOf(schema: InternalTypeSchema, key: string): InternalSchemaElement | undefined {
  const direct = schema.elements[key];
  if (direct) return direct;
  for (let i = key.length - 1; i > 0; i--) {
    if (key[i] >= "A" && key[i] <= "Z") {
      const choice = schema.elements[`${key.slice(0, i)}[x]`];
      if (choice) return choice;
    }
  }
  return undefined;
}

function checkValue(value: TypedValueWithPath, element: InternalSchemaElement | undefined, resourceId: boolean, issues: FhirIssue[]): void {
  if (typeof value.value !== "string") return;
  if (resourceId) {
    const problem = idFormatProblem(value.value);
    if (problem !== undefined) issues.push({ path: value.path, message: `Invalid id format: ${problem}`, code: "value" });
    return;
  }
  const binding = element?.binding;
  if (value.type !== "code" || binding?.strength !== "required" || binding.valueSet === undefined) return;
  const codes = requiredCodes(binding.valueSet);
  if (codes && !codes.has(value.value)) {
    issues.push({ path: value.path, message: requiredBindingMessage(binding.valueSet), code: "code-invalid" });
  }
}

/** `Value is not in the required value set AdministrativeGender (http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1)`. */
function requiredBindingMessage(valueSet: string): string {
  const name = valueSetName(valueSet);
  return `Value is not in the required value set ${name === undefined ? valueSet : `${name} (${valueSet})`}`;
}
