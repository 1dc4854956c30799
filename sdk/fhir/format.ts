/**
 * `formatFhirJson`: FHIR JSON printed the way FHIR tools print it.
 *
 * - `resourceType` first in every resource (the input, `contained[]`, Bundle entries, a Bundle
 *   inside an entry, `Parameters.parameter.resource`, …);
 * - then the elements in the order of the StructureDefinition (see `element-order.ts`): `id`,
 *   `meta`, `implicitRules`, `language`, `text`, `contained`, `extension`, `modifierExtension`, then
 *   the type's own elements; nested data types and BackboneElements likewise; a choice element
 *   (`valueQuantity`, `effectiveDateTime`) at the position of its `value[x]`/`effective[x]`; a
 *   primitive extension (`_birthDate`) right after its value;
 * - keys the definitions do not know (and every key of an object whose type is unknown) come last,
 *   in their input order;
 * - a {@link JsonNumber} is written as its exact text (`0.40`, `1532.80`, `4.0`), a JavaScript
 *   number as `JSON.stringify` writes it; strings are escaped as `JSON.stringify` escapes them;
 *   members whose value is `undefined` are left out;
 * - pretty printed with `indent` spaces (default 2) as `JSON.stringify(value, null, indent)` lays
 *   it out (`indent: 0` gives compact JSON).
 *
 * It only orders and writes: it does not validate, and arrays keep their order.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors";
import { propertyOrder, type PropertySlot } from "./element-order";
import { JsonNumber } from "./json-number";

/** Options of {@link formatFhirJson}. */
export interface FormatOptions {
  /** Spaces per nesting level, 0–10 (default 2); 0 writes compact JSON. */
  readonly indent?: number;
}

/**
 * FHIR JSON text of `tree` (a resource, plain or from {@link parseFhirJson}) in specification
 * element order; see the module rules.
 * @throws InvalidArgumentError when `tree` holds what JSON cannot carry (functions, non-finite
 *   numbers, class instances other than {@link JsonNumber}, cycles) or `indent` is out of range.
 */
export function formatFhirJson(tree: unknown, options: FormatOptions = {}): string {
  const indent = options.indent ?? 2;
  if (!Number.isInteger(indent) || indent < 0 || indent > 10) throw new InvalidArgumentError("indent must be an integer from 0 to 10");
  const writer = new Writer(" ".repeat(indent));
  writer.value(tree, "Resource", "");
  return writer.out.join("");
}

interface Member {
  readonly key: string;
  readonly value: unknown;
  readonly slot: PropertySlot | undefined;
  readonly index: number;
}

class Writer {
  readonly out: string[] = [];
  private readonly ancestors = new Set<object>();

  constructor(private readonly step: string) {}

  /** Writes `value`, an instance of FHIR type `type` (`undefined` when unknown), at `margin`. */
  value(value: unknown, type: string | undefined, margin: string): void {
    switch (typeof value) {
      case "string":
        this.out.push(JSON.stringify(value));
        return;
      case "number":
        if (!Number.isFinite(value)) throw new InvalidArgumentError("FHIR JSON: a number is not finite");
        this.out.push(JSON.stringify(value));
        return;
      case "boolean":
        this.out.push(value ? "true" : "false");
        return;
      case "object":
        if (value === null) {
          this.out.push("null");
          return;
        }
        if (value instanceof JsonNumber) {
          this.out.push(value.text);
          return;
        }
        if (this.ancestors.has(value)) throw new InvalidArgumentError("FHIR JSON: the tree has a cycle");
        this.ancestors.add(value);
        if (Array.isArray(value)) this.array(value, type, margin);
        else this.object(value as { [key: string]: unknown }, type, margin);
        this.ancestors.delete(value);
        return;
      default:
        throw new InvalidArgumentError(`FHIR JSON: a ${typeof value} is not JSON`);
    }
  }

  private array(items: readonly unknown[], type: string | undefined, margin: string): void {
    if (items.length === 0) {
      this.out.push("[]");
      return;
    }
    const inner = margin + this.step;
    this.out.push("[");
    for (let i = 0; i < items.length; i++) {
      if (i > 0) this.out.push(",");
      this.newline(inner);
      this.value(items[i] === undefined ? null : items[i], type, inner);
    }
    this.newline(margin);
    this.out.push("]");
  }

  private object(object: { [key: string]: unknown }, declared: string | undefined, margin: string): void {
    const proto: unknown = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) throw new InvalidArgumentError("FHIR JSON: not a plain object");
    const resourceType = object.resourceType;
    const isResource = declared === "Resource" && typeof resourceType === "string";
    const type = isResource ? resourceType : declared === "Resource" ? undefined : declared;
    const order = type === undefined ? undefined : propertyOrder(type);
    const members = this.members(object, order, isResource);
    if (members.length === 0) {
      this.out.push("{}");
      return;
    }
    const inner = margin + this.step;
    this.out.push("{");
    members.forEach((member, i) => {
      if (i > 0) this.out.push(",");
      this.newline(inner);
      this.out.push(JSON.stringify(member.key), this.step === "" ? ":" : ": ");
      this.value(member.value, member.slot?.type, inner);
    });
    this.newline(margin);
    this.out.push("}");
  }

  /** The defined members of `object`: `resourceType` first (for a resource), then spec order, then unknown keys. */
  private members(object: { [key: string]: unknown }, order: ReadonlyMap<string, PropertySlot> | undefined, isResource: boolean): Member[] {
    const members: Member[] = [];
    let index = 0;
    for (const key of Object.keys(object)) {
      const value = object[key];
      if (value === undefined) continue;
      const slot = isResource && key === "resourceType" ? { rank: -1, type: "code" } : order?.get(key);
      members.push({ key, value, slot, index: index++ });
    }
    if (order === undefined && !isResource) return members;
    return members.sort((a, b) => rankOf(a) - rankOf(b) || a.index - b.index);
  }

  private newline(margin: string): void {
    if (this.step !== "") this.out.push("\n", margin);
  }
}

function rankOf(member: Member): number {
  return member.slot?.rank ?? Number.MAX_SAFE_INTEGER;
}
