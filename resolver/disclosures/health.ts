import type { DisclosureHealthBody } from "@medrec/sdk/resolver/protocol";
import type { AccountState } from "./sender";

/** The `/healthz` check of a nonce gap not yet mined over. */
export const NONCE_GAP_CHECK = "disclosure-nonce-gap";
/** The `/healthz` check of a disclosure transaction pending longer than the stall limit. */
export const STALLED_CHECK = "disclosure-stalled";

/**
 * The disclosure part of `/healthz` and the checks it fails: a nonce gap ({@link NONCE_GAP_CHECK}) and a
 * transaction pending longer than `stallMs` ({@link STALLED_CHECK}).
 * @param account The disclosure account's state.
 * @param withoutRelease Disclosures mined without a release so far.
 * @param stallMs Longest healthy pending time, in ms.
 * @param now `Date.now()`.
 */
export function disclosureHealth(account: AccountState, withoutRelease: number, stallMs: number, now = Date.now()): { body: DisclosureHealthBody; failing: string[] } {
  const oldestPendingMs = account.oldestSentAt === undefined ? 0 : Math.max(0, now - account.oldestSentAt);
  const body: DisclosureHealthBody = {
    pendingTransactions: account.pending,
    oldestPendingMs,
    nonceGap: account.gap ? { from: account.gap.from, to: account.gap.to, ageMs: Math.max(0, now - account.gap.since) } : null,
    disclosuresWithoutRelease: withoutRelease,
  };
  const failing: string[] = [];
  if (account.gap) failing.push(NONCE_GAP_CHECK);
  if (oldestPendingMs > stallMs) failing.push(STALLED_CHECK);
  return { body, failing };
}
