/**
 * `splitBundle`: one FHIR input → the records that become RecordTokens.
 *
 * What the input was decides what a record is:
 * - `document` and `message` Bundles are one record each, kept exactly as they came (a document is a
 *   unit of attestation: its Composition stays first, its identifier, timestamp and signature stay
 *   with it). Kind `"Document"` / `"Message"`; the encounter is the Composition's (or none).
 * - `collection`, `transaction` and `batch` Bundles are cut into one record per (encounter or period,
 *   kind): kind = {@link recordKind} of the resource type (the medication family is one kind
 *   `"Medication"`); encounter, period = the group of the resource ({@link RecordGrouping},
 *   `grouping.ts`): an Encounter is the record of kind `"Encounter"` of its own key; Patient
 *   demographics are their own record; a resource belongs to the encounter it names or that the
 *   resources it is part of name (EOB → Claim → Encounter, …); the rest form the no-encounter records
 *   of their kind and period (calendar year of the clinical date, or `undated`). Each record is a Bundle of the source's type with the
 *   source's own elements (`id`, `identifier`, `meta`, `language`, `timestamp`, `signature`, …) and
 *   its share of the entries, each entry whole (`fullUrl`, `resource`, `request`, `link`, …), in
 *   source order. Two medrec extensions ({@link RECORD_SOURCE_URL} on `meta`, {@link SOURCE_ENTRY_URL}
 *   on each entry) say which source and which position, so that `exportRecords` rebuilds the source
 *   byte-for-byte in canonical form. Transaction and batch entries must be POST or PUT of a resource:
 *   a record store keeps data, it does not run DELETE, GET, HEAD or PATCH (refused with
 *   `FhirValidationError`). Conditional references (`Practitioner?identifier=…`) are kept as written:
 *   they are searches the receiving server runs, and an export as the source transaction carries them
 *   with that meaning; within the bundle they are resolved to decide a resource's encounter.
 * - `searchset` Bundles are cut the same way into `collection` records: `total`, `link` and the
 *   entries' `search` are search-result transport and are dropped (an export says so).
 * - `history` Bundles (a server's version log, with deletions) are refused.
 * - A single resource is one record: a `collection` Bundle holding it as its only entry.
 *
 * Records come in the order of {@link compareRecordKeys}. Every entry of the input is in exactly one
 * record. Resources are shared by reference with the input, not copied. medrec's own extensions in an
 * input (a record read back and added again) are removed first.
 *
 * @module
 */
import type { Bundle, BundleEntry, Resource } from "@medplum/fhirtypes";
import { RecordGrouping } from "./grouping";
import { FhirValidationError, type FhirIssue } from "./errors";
import { isPlainObject, type JsonObject } from "./json";
import {
  RECORD_SOURCE_URL,
  SOURCE_ENTRY_URL,
  recordSourceExtension,
  sourceDigest,
  sourceEntryExtension,
  stripRecordSource,
  withExtension,
  type RecordSource,
} from "./record-source";
import { compareRecordKeys, recordKind, type FhirRecord } from "./record";

/** Bundle types kept whole as one record, and their record kinds. */
const WHOLE_BUNDLE_KINDS: Readonly<Record<string, string>> = { document: "Document", message: "Message" };

/** Transaction/batch methods that carry data to store. */
const DATA_METHODS: ReadonlySet<string> = new Set(["POST", "PUT"]);

/**
 * Splits a FHIR Bundle or a single resource into records (see the module rules). Expects valid FHIR
 * (run `validateFhir`/`checkFhir` first); the input may be a lossless tree from `parseFhirJson`.
 * @throws FhirValidationError For a `history` bundle, or a transaction/batch entry that is not a POST or PUT of a resource.
 */
export function splitBundle(input: Bundle | Resource): FhirRecord[] {
  if (input.resourceType !== "Bundle") return [singleResourceRecord(input)];
  const bundle = stripRecordSource(input as unknown as JsonObject) as unknown as Bundle;
  const type = bundle.type;
  const wholeKind = WHOLE_BUNDLE_KINDS[type];
  if (wholeKind !== undefined) return [wholeBundleRecord(bundle, wholeKind)];
  if (type === "history") {
    throw new FhirValidationError([
      { path: "Bundle.type", message: "A history bundle is a server's version log and is not stored: send the current resources as a collection or transaction", code: "not-supported" },
    ]);
  }
  const entries = bundle.entry ?? [];
  if (type === "transaction" || type === "batch") checkDataEntries(entries);
  const source: RecordSource = { bundle: sourceDigest(bundle), type, entries: entries.length };
  const recordType = type === "searchset" ? "collection" : type;
  const { entry: _entries, ...bundleElements } = bundle;
  const shell: JsonObject = { ...bundleElements, type: recordType };
  if (type === "searchset") {
    delete shell.total;
    delete shell.link;
  }
  shell.meta = withExtension(isPlainObject(bundle.meta) ? bundle.meta : {}, recordSourceExtension(source));

  const grouping = new RecordGrouping(entries.filter((entry) => entry.resource !== undefined));
  const groups = new Map<string, { kind: string; encounter?: string; period?: string; entries: BundleEntry[] }>();
  entries.forEach((entry, index) => {
    const resource = entry.resource;
    if (!resource) return; // not in a valid collection or searchset (bdl-5); refused above for transactions
    const kind = recordKind(resource.resourceType);
    const { encounter, period } = grouping.groupOf(entry);
    const groupKey = JSON.stringify([kind, encounter ?? null, period ?? null]);
    let group = groups.get(groupKey);
    if (!group) {
      group = { kind, ...(encounter === undefined ? {} : { encounter }), ...(period === undefined ? {} : { period }), entries: [] };
      groups.set(groupKey, group);
    }
    let kept = entry as unknown as JsonObject;
    if (type === "searchset") {
      const { search: _search, ...rest } = kept;
      kept = rest;
    }
    group.entries.push(withExtension(kept, sourceEntryExtension(index)) as unknown as BundleEntry);
  });
  return [...groups.values()].sort(compareRecordKeys).map(({ kind, encounter, period, entries: recordEntries }) => ({
    kind,
    ...(encounter === undefined ? {} : { encounter }),
    ...(period === undefined ? {} : { period }),
    bundle: { ...shell, entry: recordEntries } as unknown as Bundle,
  }));
}

/** A document or message: one record, the Bundle itself. */
function wholeBundleRecord(bundle: Bundle, kind: string): FhirRecord {
  const entries = bundle.entry ?? [];
  const first = entries[0];
  const { encounter, period } = first?.resource ? new RecordGrouping(entries.filter((e) => e.resource !== undefined)).groupOf(first) : {};
  return { kind, ...(encounter === undefined ? {} : { encounter }), ...(period === undefined || encounter !== undefined ? {} : { period }), bundle };
}

/** One resource: one record, a collection holding it. */
function singleResourceRecord(resource: Resource): FhirRecord {
  const source: RecordSource = { bundle: sourceDigest(resource), type: "resource", entries: 1 };
  const entry = { resource, extension: [sourceEntryExtension(0)] } as unknown as BundleEntry;
  const bundle = { resourceType: "Bundle", type: "collection", meta: { extension: [recordSourceExtension(source)] }, entry: [entry] } as unknown as Bundle;
  const kind = recordKind(resource.resourceType);
  const { encounter, period } = new RecordGrouping([entry]).groupOf(entry);
  return { kind, ...(encounter === undefined ? {} : { encounter }), ...(period === undefined ? {} : { period }), bundle };
}

/** Transaction/batch entries must each POST or PUT a resource. */
function checkDataEntries(entries: readonly BundleEntry[]): void {
  const issues: FhirIssue[] = [];
  entries.forEach((entry, index) => {
    const method = entry.request?.method;
    if (method === undefined || !DATA_METHODS.has(method)) {
      issues.push({
        path: `Bundle.entry[${index}].request.method`,
        message: "Only POST and PUT entries carry data to store; medrec does not run DELETE, GET, HEAD or PATCH entries",
        code: "not-supported",
      });
    } else if (entry.resource === undefined) {
      issues.push({ path: `Bundle.entry[${index}].resource`, message: `A ${method} entry needs the resource it writes`, code: "required" });
    }
  });
  if (issues.length > 0) throw new FhirValidationError(issues);
}
