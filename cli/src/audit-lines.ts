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

/** Widest list of token ids {@link tokenRange} writes out before it counts the rest. */
const TOKEN_LIST_CHARS = 24;

/**
 * The token ids of a run of creations as people read them: `#5–#16` when they are consecutive, else as many as
 * fit in 24 characters (the first three at most, always the first) and a count: `#5, #9, … (4)`. Token ids derived
 * by their writers (128-bit numbers) are rarely consecutive: `#2039…, … (12)` once the table shortens the column.
 * @param tokenIds Decimal token ids, in chain order.
 */
export function tokenRange(tokenIds: readonly string[]): string {
  if (tokenIds.length === 1) return `#${tokenIds[0]}`;
  const ids = tokenIds.map((id) => BigInt(id));
  const consecutive = ids.every((id, index) => index === 0 || id === ids[index - 1] + 1n);
  if (consecutive) return `#${tokenIds[0]}–#${tokenIds[tokenIds.length - 1]}`;
  const shown: string[] = [];
  for (const id of tokenIds.slice(0, 3)) {
    if (shown.length > 0 && [...shown, `#${id}`].join(", ").length > TOKEN_LIST_CHARS) break;
    shown.push(`#${id}`);
  }
  return shown.length < tokenIds.length ? `${shown.join(", ")}, … (${tokenIds.length})` : shown.join(", ");
}
