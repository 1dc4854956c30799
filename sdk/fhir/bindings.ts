/**
 * Element checks that `@medplum/core`'s validator does not make, done by crawling the resource with
 * its schema: a `code` element bound `required` holds a code of its value set (see
 * {@link requiredCodes}), and every `Resource.id` matches the R4 `id` format (the validator types
 * `Resource.id` as a plain string; `meta.versionId` and other `id`-typed elements it checks itself).
 *
 * @module
 */
import { crawlTypedValue, isResourceTypeSchema, toTypedValue, type InternalSchemaElement, type InternalTypeSchema, type TypedValueWithPath } from "@medplum/core";
import type { Resource } from "@medplum/fhirtypes";
import { loadR4Definitions } from "./definitions";
import type { FhirIssue } from "./errors";
import { requiredCodes } from "./terminology";

/** R4 `id`: 1–64 of `A-Z a-z 0-9 - .` (https://hl7.org/fhir/R4/datatypes.html#id). */
const ID_FORMAT = /^[A-Za-z0-9\-.]{1,64}$/;

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
      visitProperty(_parent, key, _path, propertyValues, schema) {
        const element = elementOf(schema, key);
        const resourceId = key === "id" && isResourceTypeSchema(schema);
        for (const value of propertyValues.flat()) checkValue(value, element, resourceId, issues);
      },
    },
    { skipMissingProperties: true },
  );
  return issues;
}

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
  if (resourceId && !ID_FORMAT.test(value.value)) {
    issues.push({ path: value.path, message: "Invalid id format", code: "value" });
    return;
  }
  const binding = element?.binding;
  if (value.type !== "code" || binding?.strength !== "required" || binding.valueSet === undefined) return;
  const codes = requiredCodes(binding.valueSet);
  if (codes && !codes.has(value.value)) {
    issues.push({ path: value.path, message: `Value is not in the required value set ${binding.valueSet}`, code: "code-invalid" });
  }
}
