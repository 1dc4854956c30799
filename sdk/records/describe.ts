/**
 * `describeRecord`: what a decrypted record is about, for listings — its encounter, the span of its clinical
 * dates and how many resources it holds. This is health metadata: it is derived from the plaintext only, never
 * put on-chain, and shown only to a reader who could decrypt the record anyway.
 *
 * @module
 */
import type { Bundle, BundleEntry } from "@medplum/fhirtypes";
import { EncounterIndex } from "../fhir/encounters";

/** What {@link describeRecord} finds in a record's Bundle. */
export interface RecordDescription {
  /**
   * The record's encounter key as the splitter computes it (`Encounter/<id>`): its Encounter resource, else the
   * `encounter` (or encounter `context`) reference of its resources; absent for a record of no encounter.
   */
  encounter?: string;
  /**
   * The earliest and latest clinical date of its resources (see {@link CLINICAL_DATE_FIELDS}), each the date part
   * as written (`YYYY-MM-DD`, or `YYYY-MM` / `YYYY` for a partial date); absent when it has none.
   */
  period?: { start: string; end: string };
  /** How many resources the Bundle holds. */
  resources: number;
}

/** Elements that hold a dateTime/instant/date of a resource's clinical time. */
export const CLINICAL_DATE_FIELDS = ["effectiveDateTime", "issued", "onsetDateTime", "recordedDate", "authoredOn", "date", "occurrenceDateTime", "created"] as const;
/** Elements that hold a Period (`start`, `end`) of a resource's clinical time. */
export const CLINICAL_PERIOD_FIELDS = ["effectivePeriod", "period", "billablePeriod"] as const;

/** The date part of a FHIR date, dateTime or instant (`2024-03-05T10:00:00Z` → `2024-03-05`), or undefined. */
function datePart(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^(\d{4}(?:-\d{2}(?:-\d{2})?)?)/.exec(value);
  return match ? match[1] : undefined;
}

/** The clinical dates of one resource. */
function datesOf(resource: Record<string, unknown>): string[] {
  const dates: (string | undefined)[] = CLINICAL_DATE_FIELDS.map((field) => datePart(resource[field]));
  for (const field of CLINICAL_PERIOD_FIELDS) {
    const period = resource[field];
    if (period !== null && typeof period === "object") {
      dates.push(datePart((period as { start?: unknown }).start), datePart((period as { end?: unknown }).end));
    }
  }
  return dates.filter((date): date is string => date !== undefined);
}

/**
 * Describes one record's Bundle (as `readRecord` returns it).
 *
 * A record split from a Bundle holds its resources but not always their Encounter, which is a record of its own:
 * a reference by the Encounter's `fullUrl` (`urn:uuid:…`) resolves to `Encounter/<id>` only when that Encounter
 * is in `bundle` or in one of `related` (e.g. the patient's other records); otherwise it stays as written, as the
 * splitter keys it.
 * @param bundle The decrypted, validated record.
 * @param related Other records whose Encounter entries may resolve `bundle`'s references (their other resources
 *   are ignored).
 * @returns Its encounter, clinical period and resource count.
 */
export function describeRecord(bundle: Bundle, related: readonly Bundle[] = []): RecordDescription {
  const entries: BundleEntry[] = (bundle.entry ?? []).filter((entry) => entry.resource !== undefined);
  const relatedEncounters = related.flatMap((other) => (other.entry ?? []).filter((entry) => entry.resource?.resourceType === "Encounter"));
  const index = new EncounterIndex([...entries, ...relatedEncounters]);
  const own = entries.find((entry) => entry.resource?.resourceType === "Encounter");
  const encounter = (own ? index.encounterOf(own) : undefined) ?? entries.map((entry) => index.encounterOf(entry)).find((key) => key !== undefined);
  const dates = entries.flatMap((entry) => datesOf(entry.resource as unknown as Record<string, unknown>)).sort();
  return {
    ...(encounter !== undefined ? { encounter } : {}),
    ...(dates.length > 0 ? { period: { start: dates[0], end: dates[dates.length - 1] } } : {}),
    resources: entries.length,
  };
}
