/**
 * `splitBundle`: one FHIR Bundle → the records that become RecordTokens.
 *
 * The rule: one record per (encounter or period, kind).
 * - kind = {@link recordKind} of the resource type: the medication family (Medication,
 *   MedicationRequest, MedicationStatement, MedicationAdministration, MedicationDispense) is one kind
 *   `"Medication"`; every other resource type is its own kind (`"Patient"`, `"Encounter"`,
 *   `"Observation"`, `"Condition"`, …);
 * - encounter, period = the group of the resource ({@link RecordGrouping}, `grouping.ts`): an
 *   Encounter is the record of kind `"Encounter"` of its own key; Patient demographics are always
 *   their own no-encounter record; a resource belongs to the encounter it names or that the
 *   resources it is part of name (EOB → Claim → Encounter, …); the rest form the no-encounter
 *   records of their kind and period (calendar year of the clinical date, or `undated`).
 *
 * Each record is a Bundle of type `collection` whose entries are the source entries' `fullUrl`
 * (when present) and `resource`, in source order, shared by reference with the input, not copied.
 * Left out, as they describe the transport and not the data: the source Bundle's own elements (id,
 * meta, timestamp, link, signature, total) and the entries' `search`, `request` and `response`;
 * entries without a resource carry no data and are skipped. Records come in the order of
 * {@link compareRecordKeys}.
 *
 * Lossless: every resource of the input is in exactly one record, so
 * `exportRecords(splitBundle(b))` holds exactly the resources of `b` (and their `fullUrl`s).
 *
 * @module
 */
import type { Bundle, BundleEntry } from "@medplum/fhirtypes";
import { RecordGrouping } from "./grouping";
import { compareRecordKeys, recordKind, type FhirRecord } from "./record";

/**
 * Splits a Bundle into records, one per (encounter, kind) — see the module rule. Expects a valid
 * Bundle (run `validateFhir` first); does not validate.
 */
export function splitBundle(bundle: Bundle): FhirRecord[] {
  const entries = (bundle.entry ?? []).filter((entry) => entry.resource !== undefined);
  const grouping = new RecordGrouping(entries);
  const groups = new Map<string, { kind: string; encounter?: string; period?: string; entries: BundleEntry[] }>();
  for (const entry of entries) {
    const resource = entry.resource;
    if (!resource) continue;
    const kind = recordKind(resource.resourceType);
    const { encounter, period } = grouping.groupOf(entry);
    const groupKey = JSON.stringify([kind, encounter ?? null, period ?? null]);
    let group = groups.get(groupKey);
    if (!group) {
      group = { kind, ...(encounter === undefined ? {} : { encounter }), ...(period === undefined ? {} : { period }), entries: [] };
      groups.set(groupKey, group);
    }
    group.entries.push(entry.fullUrl === undefined ? { resource } : { fullUrl: entry.fullUrl, resource });
  }
  return [...groups.values()].sort(compareRecordKeys).map(({ kind, encounter, period, entries: recordEntries }) => ({
    kind,
    ...(encounter === undefined ? {} : { encounter }),
    ...(period === undefined ? {} : { period }),
    bundle: { resourceType: "Bundle", type: "collection", entry: recordEntries },
  }));
}
