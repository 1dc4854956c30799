/**
 * The grants in force for a patient, folded from the accounting of disclosures: each `grant` entry sets the
 * grant of (token, grantee) (a new consent replaces the previous one, as `ConsentManager` does), each
 * `revocation` removes it, and grants whose expiry has passed are dropped.
 *
 * @module
 */
import type { AuditEntry } from "./types";

/** A grant in force. */
export interface CurrentGrant {
  /** Decimal token id, or `all`. */
  tokenId: string;
  grantee: string;
  scopes: string[];
  purpose: string | null;
  /** ISO 8601 UTC, or decimal Unix seconds after the year 9999. */
  expiresAt: string | null;
  /** When the consent was granted (block time, ISO 8601 UTC). */
  grantedAt: string;
  consentId: string | null;
  metadataId: string | null;
  transactionHash: string;
}

/** Unix milliseconds of an accounting expiry (ISO text or decimal seconds); `Infinity` when absent. */
function expiryMs(expiresAt: string | null): number {
  if (expiresAt === null) return Number.POSITIVE_INFINITY;
  if (/^[0-9]+$/.test(expiresAt)) return Number(expiresAt) * 1000;
  return Date.parse(expiresAt);
}

/**
 * The grants in force at `nowMs`, in the order they were granted.
 * @param entries Accounting entries of one patient, in chain order.
 * @param nowMs The chain's current time, Unix milliseconds (a grant is live while now < expiry).
 */
export function currentGrants(entries: readonly AuditEntry[], nowMs: number): CurrentGrant[] {
  const grants = new Map<string, CurrentGrant>();
  for (const entry of entries) {
    if (entry.recipient === null) continue;
    const key = `${entry.tokenId}|${entry.recipient.toLowerCase()}`;
    if (entry.kind === "grant") {
      grants.delete(key); // re-insert so that the order is that of the latest grant
      grants.set(key, {
        tokenId: entry.tokenId,
        grantee: entry.recipient,
        scopes: entry.scopes ?? [],
        purpose: entry.purpose,
        expiresAt: entry.expiresAt,
        grantedAt: entry.timestamp,
        consentId: entry.consentId,
        metadataId: entry.metadataId,
        transactionHash: entry.transactionHash,
      });
    } else if (entry.kind === "revocation") {
      grants.delete(key);
    }
  }
  return [...grants.values()].filter((grant) => nowMs < expiryMs(grant.expiresAt));
}
