/**
 * `exportRecords`: records → one FHIR Bundle, e.g. to hand a patient's records to another system.
 *
 * @module
 */
import type { Bundle, BundleEntry } from "@medplum/fhirtypes";
import { canonicalJson } from "./canonical";
import { compareRecordKeys, compareStrings, type FhirRecord } from "./record";

/** Options of {@link exportRecords}. */
export interface ExportOptions {
  /** Bundle type: `collection` (default) or `searchset` (entries get `search.mode = "match"` and the Bundle a `total`). */
  readonly type?: "collection" | "searchset";
}

interface Sortable {
  readonly record: FhirRecord;
  readonly entry: BundleEntry;
  readonly canonical: string;
}

/**
 * Merges records into one Bundle holding every entry (`fullUrl` and `resource`) of every record.
 *
 * Deterministic: the order does not depend on the order of `records` or of their entries. Entries are
 * sorted by their record ({@link compareRecordKeys}: Patient, no-encounter records, then per encounter
 * the Encounter and its resources by kind), then by resource type, `fullUrl`, `id` and finally their
 * canonical JSON. Nothing is deduplicated: an entry in two records is exported twice. Resources are
 * shared with the records, not copied.
 */
export function exportRecords(records: readonly FhirRecord[], options: ExportOptions = {}): Bundle {
  const type = options.type ?? "collection";
  const items: Sortable[] = [];
  for (const record of records) {
    for (const source of record.bundle.entry ?? []) {
      if (!source.resource) continue;
      const entry: BundleEntry = source.fullUrl === undefined ? { resource: source.resource } : { fullUrl: source.fullUrl, resource: source.resource };
      if (type === "searchset") entry.search = { mode: "match" };
      items.push({ record, entry, canonical: canonicalJson(entry) });
    }
  }
  items.sort(compareItems);
  const bundle: Bundle = { resourceType: "Bundle", type };
  if (type === "searchset") bundle.total = items.length;
  if (items.length > 0) bundle.entry = items.map((item) => item.entry);
  return bundle;
}

function compareItems(a: Sortable, b: Sortable): number {
  const ra = a.entry.resource;
  const rb = b.entry.resource;
  return (
    compareRecordKeys(a.record, b.record) ||
    compareStrings(ra?.resourceType ?? "", rb?.resourceType ?? "") ||
    compareStrings(a.entry.fullUrl ?? "", b.entry.fullUrl ?? "") ||
    compareStrings(ra?.id ?? "", rb?.id ?? "") ||
    compareStrings(a.canonical, b.canonical)
  );
}
