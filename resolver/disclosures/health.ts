import type { DisclosureHealthBody } from "@medrec/sdk/resolver/protocol";
import type { AccountState } from "./sender";

/** The `/healthz` check of a nonce gap not yet mined over. */
export const NONCE_GAP_CHECK = "disclosure-nonce-gap";
/** The `/healthz` check of a disclosure transaction pending longer than the stall limit. */
export const STALLED_CHECK = "disclosure-stalled";

/** The `/healthz` check of another process sending with the disclosure key (a second copy of the resolver). */
export const KEY_SHARED_CHECK = "disclosure-key-shared";
/** How long {@link KEY_SHARED_CHECK} fails after the last sighting of another sender, in ms. */
export const KEY_SHARED_ALERT_MS = 10 * 60_000;

/**
 * The disclosure part of `/healthz` and the checks it fails: a nonce gap ({@link NONCE_GAP_CHECK}), a
 * transaction pending longer than `stallMs` ({@link STALLED_CHECK}), and nonces of the disclosure account that this
 * run did not hand out seen within {@link KEY_SHARED_ALERT_MS} ({@link KEY_SHARED_CHECK}: another copy of the resolver
 * sends with the same key, and the two take each other's nonces).
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
    foreignSender: account.foreignSender ? { nonces: account.foreignSender.nonces, msAgo: Math.max(0, now - account.foreignSender.at) } : null,
  };
  const failing: string[] = [];
  if (account.gap) failing.push(NONCE_GAP_CHECK);
  if (oldestPendingMs > stallMs) failing.push(STALLED_CHECK);
  if (body.foreignSender && body.foreignSender.msAgo < KEY_SHARED_ALERT_MS) failing.push(KEY_SHARED_CHECK);
  return { body, failing };
}
