/**
 * What a record is: the unit that gets encrypted, pinned and minted as one RecordToken.
 *
 * @module
 */
import type { Bundle } from "@medplum/fhirtypes";

/**
 * One record: the resources of one kind from one encounter (or from no encounter and one period), as a Bundle of
 * type `collection` whose entries carry `fullUrl` (when the source had one) and `resource`.
 */
export interface FhirRecord {
  /** Record kind, see {@link recordKind}: `"Patient"`, `"Encounter"`, `"Observation"`, `"Medication"`, … */
  readonly kind: string;
  /**
   * Key of the encounter the resources belong to (see `encounters.ts`: `Encounter/<id>`, else the
   * Encounter's `fullUrl`, else the reference as written); absent for the no-encounter group.
   */
  readonly encounter?: string;
  /**
   * For a record of no encounter other than Patient: the period its resources are from, the
   * calendar year of their clinical date (`"2019"`) or `"undated"` (see `grouping.ts`); absent on
   * the Patient record and on encounter records.
   */
  readonly period?: string;
  /** The record's resources, a Bundle of type `collection`. */
  readonly bundle: Bundle;
}

/**
 * Medication resources are one kind, whatever the workflow step: the order, the statement, the
 * administration, the dispense and the Medication definitions they point at.
 */
const MEDICATION_TYPES: ReadonlySet<string> = new Set([
  "Medication",
  "MedicationAdministration",
  "MedicationDispense",
  "MedicationRequest",
  "MedicationStatement",
]);

/** Record kind of the medication group. */
export const MEDICATION_KIND = "Medication";

/**
 * The record kind of a resource type: `"Medication"` for the medication family (see
 * {@link MEDICATION_KIND}), the resource type itself otherwise (`"Patient"` — demographics —,
 * `"Encounter"`, `"Observation"`, `"Condition"`, `"Procedure"`, …).
 */
export function recordKind(resourceType: string): string {
  return MEDICATION_TYPES.has(resourceType) ? MEDICATION_KIND : resourceType;
}

/**
 * Total order of records: the Patient record first, then the no-encounter records, then by
 * encounter key; within one encounter the Encounter record first, then by kind; records of the same
 * kind and encounter by period (years in order, `undated` after them). Keys compare by UTF-16 code
 * units (not locale).
 */
export function compareRecordKeys(a: Pick<FhirRecord, "kind" | "encounter" | "period">, b: Pick<FhirRecord, "kind" | "encounter" | "period">): number {
  return (
    compareNumbers(a.kind === "Patient" ? 0 : 1, b.kind === "Patient" ? 0 : 1) ||
    compareNumbers(a.encounter === undefined ? 0 : 1, b.encounter === undefined ? 0 : 1) ||
    compareStrings(a.encounter ?? "", b.encounter ?? "") ||
    compareNumbers(a.kind === "Encounter" ? 0 : 1, b.kind === "Encounter" ? 0 : 1) ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.period ?? "", b.period ?? "")
  );
}

/** `-1`, `0` or `1` by UTF-16 code unit order. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNumbers(a: number, b: number): number {
  return a - b;
}
