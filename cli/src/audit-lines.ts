/**
 * The lines of `medrec audit`'s table: one per event, except that the record creations of one ingest — consecutive
 * `record-created` entries by the same issuer, in the same transaction or in consecutive blocks — make one line
 * (`12 records created`, tokens `#5–#16`). `--wide`/`--all` keep one line per event; the JSON, CSV and FHIR
 * formats always list every event.
 *
 * @module
 */
import type { audit } from "@medrec/sdk";

type AuditEntry = audit.AuditEntry;

/** One line of the audit table: an event, or a run of record creations of one ingest. */
export type AuditLine<E extends AuditEntry = AuditEntry> =
  | { kind: "event"; entry: E }
  | {
      kind: "creations";
      /** The record creations, in chain order (at least two). */
      entries: E[];
    };

/** Whether `next` continues the ingest that `previous` is part of. */
function sameIngest(previous: AuditEntry, next: AuditEntry): boolean {
  if (previous.kind !== "record-created" || next.kind !== "record-created") return false;
  if (previous.actor !== next.actor || previous.patient !== next.patient) return false;
  return previous.transactionHash === next.transactionHash || next.blockNumber - previous.blockNumber <= 1;
}

/**
 * Groups the record creations of each ingest into one line (entries stay in chain order).
 * @param entries The accounting's entries, in chain order.
 * @param collapse `false` (`--wide`/`--all`): one line per entry.
 */
export function auditLines<E extends AuditEntry>(entries: readonly E[], collapse = true): AuditLine<E>[] {
  const lines: AuditLine<E>[] = [];
  let run: E[] = [];
  const flush = () => {
    if (run.length === 1) lines.push({ kind: "event", entry: run[0] });
    else if (run.length > 1) lines.push({ kind: "creations", entries: run });
    run = [];
  };
  for (const entry of entries) {
    if (!collapse || entry.kind !== "record-created") {
      flush();
      lines.push({ kind: "event", entry });
      continue;
    }
    if (run.length > 0 && !sameIngest(run[run.length - 1], entry)) flush();
    run.push(entry);
  }
  flush();
  return lines;
}

/**
 * The token ids of a run of creations as people read them: `#5–#16` when they are consecutive, else
 * `#5, #9, …` (the first three and a count).
 * @param tokenIds Decimal token ids, in chain order.
 */
export function tokenRange(tokenIds: readonly string[]): string {
  const ids = tokenIds.map((id) => BigInt(id));
  const consecutive = ids.every((id, index) => index === 0 || id === ids[index - 1] + 1n);
  if (consecutive) return `#${tokenIds[0]}–#${tokenIds[tokenIds.length - 1]}`;
  const shown = tokenIds.slice(0, 3).map((id) => `#${id}`).join(", ");
  return tokenIds.length > 3 ? `${shown}, … (${tokenIds.length})` : shown;
}
