/**
 * CSV output of an accounting (RFC 4180).
 *
 * @module
 */
import { AUDIT_ENTRY_FIELDS, type AccountingOfDisclosures, type AuditEntry } from "./types";

/** The line break RFC 4180 prescribes. */
const CRLF = "\r\n";

/**
 * The accounting's entries as RFC 4180 CSV: a header row of {@link AUDIT_ENTRY_FIELDS}, then one row per
 * entry, each line ended by CRLF. A field holding a comma, a double quote, CR or LF is enclosed in double
 * quotes with its quotes doubled. `null` is an empty field, `scopes` are joined with single spaces, booleans
 * are `true`/`false`.
 * @param accounting From `accountingOfDisclosures`.
 */
export function toCsv(accounting: AccountingOfDisclosures): string {
  const lines = [AUDIT_ENTRY_FIELDS.map(csvField), ...accounting.entries.map((entry) => csvRow(entry).map(csvField))];
  return lines.map((fields) => fields.join(",") + CRLF).join("");
}

/**
 * The CSV fields of one entry (unquoted), in {@link AUDIT_ENTRY_FIELDS} order.
 * @param entry An accounting entry.
 */
export function csvRow(entry: AuditEntry): string[] {
  return AUDIT_ENTRY_FIELDS.map((field) => {
    const value = entry[field];
    if (value === null || value === undefined) return "";
    if (Array.isArray(value)) return value.join(" ");
    return String(value);
  });
}

/**
 * One field as RFC 4180 writes it: as is, or in double quotes (quotes doubled) when it holds `,`, `"`, CR or LF.
 * @param value The field's text.
 */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
