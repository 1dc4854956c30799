/**
 * `splitBundle`: one FHIR Bundle → the records that become RecordTokens.
 *
 * The rule: one record per (encounter, kind).
 * - kind = {@link recordKind} of the resource type: the medication family (Medication,
 *   MedicationRequest, MedicationStatement, MedicationAdministration, MedicationDispense) is one kind
 *   `"Medication"`; every other resource type is its own kind (`"Patient"`, `"Encounter"`,
 *   `"Observation"`, `"Condition"`, …);
 * - encounter = the encounter key of the resource (see `encounters.ts`): an Encounter is the record
 *   of kind `"Encounter"` of its own key; Patient demographics are always their own no-encounter
 *   record; resources without an encounter reference form the no-encounter records of their kind.
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
import { EncounterIndex } from "./encounters";
import { compareRecordKeys, recordKind, type FhirRecord } from "./record";

/**
 * Splits a Bundle into records, one per (encounter, kind) — see the module rule. Expects a valid
 * Bundle (run `validateFhir` first); does not validate.
 */
export function splitBundle(bundle: Bundle): FhirRecord[] {
  const entries = (bundle.entry ?? []).filter((entry) => entry.resource !== undefined);
  const encounters = new EncounterIndex(entries);
  const groups = new Map<string, { kind: string; encounter?: string; entries: BundleEntry[] }>();
  for (const entry of entries) {
    const resource = entry.resource;
    if (!resource) continue;
    const kind = recordKind(resource.resourceType);
    const encounter = encounters.encounterOf(entry);
    const groupKey = JSON.stringify([kind, encounter ?? null]);
    let group = groups.get(groupKey);
    if (!group) {
      group = encounter === undefined ? { kind, entries: [] } : { kind, encounter, entries: [] };
      groups.set(groupKey, group);
    }
    group.entries.push(entry.fullUrl === undefined ? { resource } : { fullUrl: entry.fullUrl, resource });
  }
  return [...groups.values()].sort(compareRecordKeys).map(({ kind, encounter, entries: recordEntries }) => ({
    kind,
    ...(encounter === undefined ? {} : { encounter }),
    bundle: { resourceType: "Bundle", type: "collection", entry: recordEntries },
  }));
}
