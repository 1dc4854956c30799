/**
 * The element order of the FHIR R4 specification, for writers that print FHIR the way FHIR tools do.
 *
 * `@medplum/core`'s schema registry keeps each type's elements (`InternalTypeSchema.elements`) in
 * the order of the StructureDefinition's snapshot, which is the definition order: for a resource
 * `id`, `meta`, `implicitRules`, `language`, `text`, `contained`, `extension`, `modifierExtension`,
 * then its own elements; BackboneElements are their own types there, named by `buildTypeName` of
 * their path (`Patient.contact` → `PatientContact`), and `contentReference` elements point at the
 * type they reuse (`QuestionnaireItem.item` → `QuestionnaireItem`).
 *
 * @module
 */
import { capitalize, tryGetDataType } from "@medplum/core";
import { loadR4Definitions } from "./definitions";

/** Where a JSON property sits in its type's definition order, and the FHIR type of its value. */
export interface PropertySlot {
  /**
   * Sort key: twice the element's index in the definition, plus one for a primitive extension
   * (`_birthDate` sorts right after `birthDate`; `_valueString` right after `valueString`).
   */
  readonly rank: number;
  /**
   * FHIR type of the value: a type name of the registry (`HumanName`, `PatientContact`, `string`),
   * `Element` for a primitive extension (`_birthDate`), `Resource` for an element holding any
   * resource (`contained`, `Bundle.entry.resource`).
   */
  readonly type: string;
}

/** The property slots of one type, by JSON property name (`valueQuantity`, `_birthDate`, …). */
export type PropertyOrder = ReadonlyMap<string, PropertySlot>;

const orders = new Map<string, PropertyOrder | null>();

/**
 * The property slots of FHIR type `typeName` (a data type, a resource type or a BackboneElement
 * type name), or `undefined` when the registry does not know it. Cached per type.
 */
export function propertyOrder(typeName: string): PropertyOrder | undefined {
  const cached = orders.get(typeName);
  if (cached !== undefined) return cached ?? undefined;
  loadR4Definitions();
  const schema = tryGetDataType(typeName);
  const order = schema ? buildOrder(schema.elements) : null;
  orders.set(typeName, order);
  return order ?? undefined;
}

function buildOrder(elements: Readonly<Record<string, { readonly type: readonly { readonly code: string }[] }>>): PropertyOrder {
  const order = new Map<string, PropertySlot>();
  let index = 0;
  for (const [name, element] of Object.entries(elements)) {
    const rank = 2 * index++;
    if (name.endsWith("[x]")) {
      const base = name.slice(0, -3);
      for (const { code } of element.type) add(order, base + capitalize(code), rank, code);
    } else {
      add(order, name, rank, element.type[0]?.code ?? "Element");
    }
  }
  return order;
}

function add(order: Map<string, PropertySlot>, key: string, rank: number, type: string): void {
  if (!order.has(key)) order.set(key, { rank, type });
  if (!order.has(`_${key}`)) order.set(`_${key}`, { rank: rank + 1, type: "Element" });
}
