/**
 * JSON output of an accounting, with a stable key order.
 *
 * @module
 */
import { AUDIT_ENTRY_FIELDS, type AccountingOfDisclosures, type AuditEntry } from "./types";

/**
 * The accounting as JSON. Keys are always written in the same order — `patient`, `chainId`, `contracts`,
 * `period`, `blocks`, `generatedAt`, `entries`, and each entry's fields in {@link AUDIT_ENTRY_FIELDS} order —
 * whatever the key order of the object given, so equal accountings give equal text. Unknown keys are dropped, but
 * for `purposeText` (the consent document's purpose in words, of an accounting annotated by `audit.accounting`),
 * written last when an entry has it.
 * @param accounting From `accountingOfDisclosures`.
 * @param indent Spaces of indentation; 0 for one line. Default 2.
 */
export function toJson(accounting: AccountingOfDisclosures, indent = 2): string {
  const ordered = {
    patient: accounting.patient,
    chainId: accounting.chainId,
    contracts: {
      ConsentManager: accounting.contracts.ConsentManager,
      RecordToken: accounting.contracts.RecordToken,
    },
    period: { from: accounting.period.from, to: accounting.period.to },
    blocks: { from: accounting.blocks.from, to: accounting.blocks.to },
    generatedAt: accounting.generatedAt,
    entries: accounting.entries.map(orderedEntry),
  };
  return JSON.stringify(ordered, null, indent);
}

/** A copy of `entry` with its keys in {@link AUDIT_ENTRY_FIELDS} order. */
function orderedEntry(entry: AuditEntry): Record<string, unknown> {
  const ordered: Record<string, unknown> = {};
  for (const field of AUDIT_ENTRY_FIELDS) {
    const value = entry[field];
    ordered[field] = Array.isArray(value) ? [...value] : value ?? null;
  }
  const purposeText = (entry as AuditEntry & { purposeText?: string | null }).purposeText;
  if (purposeText !== undefined) ordered.purposeText = purposeText;
  return ordered;
}
