/**
 * Where a record's entries came from: the two extensions medrec writes into the records it cuts out
 * of a bundle, so that `exportRecords` can put the original bundle back together exactly.
 *
 * - On the record Bundle's `meta`: {@link RECORD_SOURCE_URL}, a complex extension with
 *   `bundle` (valueString `sha256:<hex>`, the SHA-256 of the source's canonical JSON: which ingest the
 *   record is part of, and the check that a rebuild is byte-for-byte), `type` (valueCode: the source's
 *   `Bundle.type`, or `resource` for a single resource) and `entries` (valueUnsignedInt: how many
 *   entries the source had).
 * - On each entry: {@link SOURCE_ENTRY_URL}, valueUnsignedInt: the entry's position in the source.
 *
 * They are appended after the source's own extensions, and removed again on export. Records stay
 * encrypted, so the hash never leaves the record's plaintext. An input that already carries these
 * extensions (a record file read back and added again) has them removed before it is split.
 *
 * @module
 */
import { sha256 } from "@noble/hashes/sha2";
import { bytesToHex } from "@noble/hashes/utils";
import { canonicalize } from "./canonical";
import { isPlainObject, type JsonObject } from "./json";
import { JsonNumber } from "./json-number";

/** Extension on a record Bundle's `meta`: the source bundle (hash, type, entry count). */
export const RECORD_SOURCE_URL = "https://medrec.dev/fhir/StructureDefinition/record-source";
/** Extension on a record's entry: its position in the source bundle. */
export const SOURCE_ENTRY_URL = "https://medrec.dev/fhir/StructureDefinition/source-entry";

/** The source of a record, as its `meta` extension says. */
export interface RecordSource {
  /** `sha256:<64 hex>` of the source's canonical JSON. */
  readonly bundle: string;
  /** The source's `Bundle.type`, or `resource` when the input was one resource. */
  readonly type: string;
  /** Number of entries of the source (1 for a single resource). */
  readonly entries: number;
}

/** `sha256:<hex>` of the canonical JSON of `value`. */
export function sourceDigest(value: unknown): string {
  return `sha256:${bytesToHex(sha256(canonicalize(value)))}`;
}

/** The `meta.extension` item that names `source`. */
export function recordSourceExtension(source: RecordSource): JsonObject {
  return {
    url: RECORD_SOURCE_URL,
    extension: [
      { url: "bundle", valueString: source.bundle },
      { url: "type", valueCode: source.type },
      { url: "entries", valueUnsignedInt: source.entries },
    ],
  };
}

/** The entry `extension` item that gives position `index`. */
export function sourceEntryExtension(index: number): JsonObject {
  return { url: SOURCE_ENTRY_URL, valueUnsignedInt: index };
}

/** The source a record Bundle names in its `meta`, or `undefined` (not a part of a split source). */
export function recordSourceOf(bundle: unknown): RecordSource | undefined {
  if (!isPlainObject(bundle) || !isPlainObject(bundle.meta) || !Array.isArray(bundle.meta.extension)) return undefined;
  const extension = bundle.meta.extension.find((item) => isPlainObject(item) && item.url === RECORD_SOURCE_URL);
  if (!isPlainObject(extension) || !Array.isArray(extension.extension)) return undefined;
  const parts = extension.extension as unknown[];
  const part = (url: string) => parts.find((item) => isPlainObject(item) && item.url === url) as JsonObject | undefined;
  const digest = part("bundle")?.valueString;
  const type = part("type")?.valueCode;
  const entries = Number(part("entries")?.valueUnsignedInt);
  if (typeof digest !== "string" || typeof type !== "string" || !Number.isSafeInteger(entries) || entries < 0) return undefined;
  return { bundle: digest, type, entries };
}

/** The source position an entry carries, or `undefined`. */
export function sourceEntryIndexOf(entry: unknown): number | undefined {
  if (!isPlainObject(entry) || !Array.isArray(entry.extension)) return undefined;
  const extension = entry.extension.find((item) => isPlainObject(item) && item.url === SOURCE_ENTRY_URL);
  if (!isPlainObject(extension)) return undefined;
  const value = extension.valueUnsignedInt;
  const index = value instanceof JsonNumber || typeof value === "number" ? Number(value) : NaN;
  return Number.isSafeInteger(index) && index >= 0 ? index : undefined;
}

/**
 * `owner` without the medrec extensions of `url` in its `extension` list (a shallow copy; the list is
 * dropped when nothing else is left in it). Returns `owner` itself when it has none.
 */
export function withoutExtension(owner: JsonObject, url: string): JsonObject {
  if (!Array.isArray(owner.extension) || !owner.extension.some((item) => isPlainObject(item) && item.url === url)) return owner;
  const rest = owner.extension.filter((item) => !(isPlainObject(item) && item.url === url));
  const copy: JsonObject = { ...owner };
  if (rest.length > 0) copy.extension = rest;
  else delete copy.extension;
  return copy;
}

/** `owner` with `item` appended to its `extension` list (a shallow copy). */
export function withExtension(owner: JsonObject, item: JsonObject): JsonObject {
  return { ...owner, extension: [...(Array.isArray(owner.extension) ? owner.extension : []), item] };
}

/**
 * A Bundle without medrec's bookkeeping: the record-source extension removed from its `meta` (and
 * `meta` dropped when that leaves it empty), the source-entry extension from its entries. Shallow
 * copies where something changes; the input is not modified.
 */
export function stripRecordSource(bundle: JsonObject): JsonObject {
  let out = bundle;
  if (isPlainObject(bundle.meta)) {
    const meta = withoutExtension(bundle.meta, RECORD_SOURCE_URL);
    if (meta !== bundle.meta) {
      out = { ...bundle };
      if (Object.keys(meta).length > 0) out.meta = meta;
      else delete out.meta;
    }
  }
  if (Array.isArray(bundle.entry) && bundle.entry.some((entry) => isPlainObject(entry) && sourceEntryIndexOf(entry) !== undefined)) {
    out = out === bundle ? { ...bundle } : out;
    out.entry = bundle.entry.map((entry) => (isPlainObject(entry) ? withoutExtension(entry, SOURCE_ENTRY_URL) : entry));
  }
  return out;
}
