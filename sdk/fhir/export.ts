/**
 * `exportRecords`: records → one FHIR Bundle, e.g. to hand a patient's records to another system,
 * with an exact account of how it differs from what was ingested.
 *
 * - The records of one ingest (every part of one split source, see `split.ts`) give back the source
 *   Bundle itself: its type, its own elements and every entry whole, in source order, medrec's
 *   bookkeeping extensions removed. Its canonical JSON is checked against the digest the records
 *   carry: `exact` is true only when it is byte-for-byte the canonical form of the source.
 * - A `document` or `message` record gives back the document itself (always exact).
 * - Anything else — records of several ingests, an incomplete set of parts, a `searchset` source, a
 *   single resource — gives a `collection` Bundle, and `differences` says in words what is not as it
 *   was: merged sources lose their bundle-level elements and `entry.request`; a document becomes one
 *   entry holding the document Bundle; missing parts are named by count.
 *
 * Deterministic: the output does not depend on the order of `records` or of their entries.
 * Resources are shared with the records, not copied.
 *
 * @module
 */
import type { Bundle, BundleEntry } from "@medplum/fhirtypes";
import { canonicalJson } from "./canonical";
import { isPlainObject, type JsonObject } from "./json";
import { compareRecordKeys, compareStrings, type FhirRecord } from "./record";
import { recordSourceOf, sourceDigest, sourceEntryIndexOf, stripRecordSource, type RecordSource } from "./record-source";

/** What {@link exportRecords} gives. */
export interface ExportResult {
  /** The exported Bundle (valid FHIR R4). */
  readonly bundle: Bundle;
  /** True when `bundle` is the ingested source itself, byte-for-byte in canonical form. */
  readonly exact: boolean;
  /** What differs from the ingested sources, one sentence each; empty when `exact`. */
  readonly differences: readonly string[];
}

interface SourceGroup {
  readonly source: RecordSource;
  /** The first part seen (by canonical order), without its entries: the source's own elements. */
  shell: JsonObject;
  shellKey: string;
  readonly entries: Map<number, JsonObject>;
}

interface Rebuilt {
  readonly group: SourceGroup;
  readonly value: JsonObject;
  readonly complete: boolean;
  readonly exact: boolean;
  readonly entries: JsonObject[];
}

interface LooseItem {
  readonly record: FhirRecord;
  readonly entry: BundleEntry;
  readonly canonical: string;
}

/** Exports records as one Bundle (see the module rules). */
export function exportRecords(records: readonly FhirRecord[]): ExportResult {
  const sources = new Map<string, SourceGroup>();
  const wholes = new Map<string, Bundle>();
  const loose: LooseItem[] = [];
  for (const record of records) {
    const bundle = record.bundle as unknown as JsonObject;
    const source = recordSourceOf(bundle);
    if (source === undefined && (bundle.type === "document" || bundle.type === "message")) {
      wholes.set(canonicalJson(bundle), record.bundle);
      continue;
    }
    const entries = Array.isArray(bundle.entry) ? (bundle.entry as unknown[]) : [];
    if (source === undefined) {
      for (const entry of entries) if (isPlainObject(entry) && entry.resource !== undefined) loose.push(looseItem(record, entry));
      continue;
    }
    const group = sourceGroup(sources, source, bundle);
    for (const entry of entries) {
      if (!isPlainObject(entry)) continue;
      const index = sourceEntryIndexOf(entry);
      const clean = stripRecordSource({ entry: [entry] }).entry as JsonObject[];
      if (index === undefined || index >= source.entries) {
        if (entry.resource !== undefined) loose.push(looseItem(record, clean[0]));
      } else if (!group.entries.has(index)) group.entries.set(index, clean[0]);
    }
  }

  const rebuilt = [...sources.values()].sort((a, b) => compareStrings(a.source.bundle, b.source.bundle)).map(rebuild);
  const documents = [...wholes.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, bundle]) => bundle);
  const groups = rebuilt.length + documents.length + (loose.length > 0 ? 1 : 0);

  if (groups === 1 && documents.length === 1) return { bundle: documents[0], exact: true, differences: [] };
  if (groups === 1 && rebuilt.length === 1 && rebuilt[0].group.source.type !== "resource") {
    const only = rebuilt[0];
    return { bundle: only.value as unknown as Bundle, exact: only.exact, differences: only.exact ? [] : sourceDifferences(only, false) };
  }

  const differences: string[] = [];
  const entry: BundleEntry[] = [];
  if (groups > 1) differences.push(`${groups} sources are merged into one collection Bundle, in which they have no bundle-level elements of their own`);
  for (const document of documents) {
    entry.push({ resource: document });
    differences.push(`the ${document.type} ${describeBundle(document as unknown as JsonObject)} is one entry holding the whole ${document.type} Bundle`);
  }
  for (const item of rebuilt) {
    for (const source of item.entries) entry.push(dataEntry(source));
    differences.push(...sourceDifferences(item, true));
  }
  loose.sort(compareLoose);
  for (const item of loose) entry.push(item.entry);
  if (loose.length > 0) differences.push(`${loose.length} entries come from records that do not say which bundle they came from; they are ordered by record (Patient, records without encounter, then by encounter)`);
  const bundle: Bundle = { resourceType: "Bundle", type: "collection" };
  if (entry.length > 0) bundle.entry = entry;
  else differences.push("no records were given");
  return { bundle, exact: false, differences };
}

function looseItem(record: FhirRecord, source: JsonObject): LooseItem {
  const entry = dataEntry(source);
  return { record, entry, canonical: canonicalJson(entry) };
}

/** `fullUrl` and `resource` of an entry: what a collection carries. */
function dataEntry(source: JsonObject): BundleEntry {
  const entry = source as unknown as BundleEntry;
  return entry.fullUrl === undefined ? { resource: entry.resource } : { fullUrl: entry.fullUrl, resource: entry.resource };
}

function sourceGroup(sources: Map<string, SourceGroup>, source: RecordSource, bundle: JsonObject): SourceGroup {
  const { entry: _entry, ...elements } = stripRecordSource(bundle);
  const shellKey = canonicalJson(elements);
  const key = JSON.stringify([source.bundle, source.type, source.entries]);
  const existing = sources.get(key);
  if (!existing) {
    const group: SourceGroup = { source, shell: elements, shellKey, entries: new Map() };
    sources.set(key, group);
    return group;
  }
  // Parts of one source carry the same elements; should they not, the smallest wins, whatever the order.
  if (compareStrings(shellKey, existing.shellKey) < 0) {
    existing.shell = elements;
    existing.shellKey = shellKey;
  }
  return existing;
}

function rebuild(group: SourceGroup): Rebuilt {
  const indices = [...group.entries.keys()].sort((a, b) => a - b);
  const entries = indices.map((index) => group.entries.get(index) as JsonObject);
  const complete = indices.length === group.source.entries;
  const value: JsonObject = { ...group.shell };
  if (entries.length > 0) value.entry = entries;
  const exact = complete && group.source.type !== "searchset" && group.source.type !== "resource" && sourceDigest(value) === group.source.bundle;
  return { group, value, complete, exact, entries };
}

function sourceDifferences(item: Rebuilt, merged: boolean): string[] {
  const { source } = item.group;
  const name = source.type === "resource" ? `the single ${resourceTypeOf(item.entries[0])} resource` : `the ${source.type} ${describeBundle(item.group.shell)}`;
  const out: string[] = [];
  if (!item.complete) out.push(`${name}: ${source.entries - item.entries.length} of its ${source.entries} entries are not among the records exported`);
  if (source.type === "resource") out.push(`${name} is exported as an entry of a collection Bundle`);
  else if (source.type === "searchset") out.push(`${name} was stored as a collection: its total, links and entry.search are not kept`);
  else if (merged) out.push(`${name}: its type, its own elements (id, identifier, meta, timestamp, signature, …) and entry.request/response are not in the merged collection`);
  if (item.complete && !item.exact && source.type !== "searchset" && source.type !== "resource") {
    out.push(`${name}: the rebuilt bundle does not match the digest its records carry (the records were changed after the split)`);
  }
  return out;
}

function resourceTypeOf(entry: JsonObject | undefined): string {
  const resource = entry?.resource;
  return isPlainObject(resource) && typeof resource.resourceType === "string" ? resource.resourceType : "unknown";
}

/** `bundle <id>`, or `bundle` when it has no id (never a clinical value). */
function describeBundle(bundle: JsonObject): string {
  if (typeof bundle.id === "string") return `bundle ${bundle.id}`;
  return "bundle";
}

function compareLoose(a: LooseItem, b: LooseItem): number {
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
