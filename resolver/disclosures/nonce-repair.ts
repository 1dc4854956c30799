import { RpcRefusalError } from "@medrec/sdk/chain/json-rpc";
import { isKnownTransaction, isNonceUsed } from "./errors";
import { latestSigned, type NonceSlot, type SignedAtNonce } from "./nonce-slots";

/** What {@link repairNonces} asks of the node, for the disclosure account. */
export interface RepairNode {
  /** `eth_getTransactionCount(account, tag)`, asked of the node now (no cache). */
  count(tag: "latest" | "pending"): Promise<number>;
  /** Whether the node holds `hash` (pooled, queued or mined: `eth_getTransactionByHash` is not null). */
  known(hash: string): Promise<boolean>;
  /** `eth_sendRawTransaction(raw)`; throws `RpcRefusalError` on a refusal, `RpcNoAnswerError` without an answer. */
  sendRaw(raw: string): Promise<void>;
}

/** What happened at one nonce of a gap. */
export type RepairAction = "queued" | "resent" | "filled" | "mined" | "failed";

/** The outcome of one {@link repairNonces}. */
export interface RepairReport {
  latest: number;
  pending: number;
  /** The account's next nonce after the repair. */
  nextNonce: number;
  /** The nonces the node's pool was missing, `[from, to)`, when there was a gap. */
  gap?: { from: number; to: number };
  /** Per nonce of the gap, what was done. */
  actions: { nonce: number; action: RepairAction }[];
}

/**
 * Compares the account's numbering with the node's and repairs a gap. Slots below the chain's `latest` count are
 * mined and removed. When the node's `pending` count is behind `nextNonce`, transactions the account sent are missing
 * from the pool (dropped), and every later one waits behind them. Each nonce of `[pending, nextNonce)` is then:
 * - left alone when the node still holds its live disclosure or its no-op (queued behind the gap) — a given-up
 *   disclosure still held is replaced by a no-op;
 * - sent again with its disclosure's own signed bytes (same hash) while its batch still waits (not cancelled);
 * - taken by a no-op (a zero-value self-transfer, `noopAt`) when its batch was given up, or when the node refuses
 *   the disclosure again — so a disclosure of a request answered with a failure is never sent again.
 * Outside a gap, a given-up disclosure the node still holds (its cancel failed, or its bytes were sent again after
 * its no-op was dropped) is replaced by its no-op (higher fees) or a new one. A `pending`
 * count ahead of `nextNonce` (another sender on the account) moves the numbering up to it.
 * @param node The node.
 * @param slots The account's unmined nonces (changed in place: mined ones removed, no-ops added).
 * @param nextNonce The account's next nonce (undefined before the first send).
 * @param noopAt Signs a no-op at a nonce above the fees of what was sent there before (and marks nothing).
 */
export async function repairNonces(
  node: RepairNode,
  slots: Map<number, NonceSlot>,
  nextNonce: number | undefined,
  noopAt: (nonce: number, slot: NonceSlot | undefined) => Promise<SignedAtNonce>,
): Promise<RepairReport> {
  const [latest, pending] = await Promise.all([node.count("latest"), node.count("pending")]);
  for (const nonce of slots.keys()) if (nonce < latest) slots.delete(nonce);
  const local = nextNonce ?? pending;
  const actions: RepairReport["actions"] = [];
  const from = Math.max(pending, latest);
  // A given-up disclosure still in the pool — its cancel failed, or someone sent its bytes again after its no-op was
  // dropped — is replaced by a no-op now.
  for (const slot of [...slots.values()].sort((a, b) => a.nonce - b.nonce)) {
    if (!slot.cancelled || (slot.nonce >= from && slot.nonce < local)) continue; // the gap's nonces are repaired below
    const last = latestSigned(slot);
    const held = await heldDisclosure(node, slot);
    if (last?.noop && !held) continue;
    const outcome = last?.noop ? await resend(node, last.raw) : "refused";
    const action: RepairAction = outcome === "refused" ? await fill(node, slot, () => noopAt(slot.nonce, slot)) : outcome === "mined" ? "mined" : "resent";
    actions.push({ nonce: slot.nonce, action });
  }
  if (pending >= local) return { latest, pending, nextNonce: Math.max(pending, local), actions };
  for (let nonce = from; nonce < local; nonce++) {
    const slot = slots.get(nonce);
    actions.push({ nonce, action: await repairNonce(node, slot, () => noopAt(nonce, slot)) });
  }
  return { latest, pending, nextNonce: local, gap: { from: pending, to: local }, actions };
}

/** Repairs one nonce of a gap (see {@link repairNonces}). */
async function repairNonce(node: RepairNode, slot: NonceSlot | undefined, noop: () => Promise<SignedAtNonce>): Promise<RepairAction> {
  if (slot) {
    // Queued behind the gap: fine for a live disclosure or a no-op; a given-up disclosure is replaced below.
    for (const signed of slot.signed) if ((!slot.cancelled || signed.noop) && (await node.known(signed.hash))) return "queued";
    const last = latestSigned(slot);
    // A live disclosure goes out again as it was signed; a given-up one only ever as its no-op.
    if (last && (!slot.cancelled || last.noop)) {
      const outcome = await resend(node, last.raw);
      if (outcome !== "refused") return outcome === "mined" ? "mined" : "resent";
    }
  }
  return fill(node, slot, noop);
}

/** Takes the nonce of `slot` with a no-op (fees above what was sent at it) and marks the slot given up. */
async function fill(node: RepairNode, slot: NonceSlot | undefined, noop: () => Promise<SignedAtNonce>): Promise<RepairAction> {
  const filler = await noop(); // without a slot (a nonce of an earlier run), `noopAt` bids well above the fresh fees
  const outcome = await resend(node, filler.raw);
  if (outcome === "refused") return "failed";
  if (slot) {
    const wasLive = !slot.cancelled;
    slot.signed.push(filler);
    slot.cancelled = true;
    if (wasLive) slot.onReplaced?.(filler.hash);
  }
  return outcome === "mined" ? "mined" : "filled";
}

/** Whether the node holds one of the slot's disclosures (not its no-ops). */
async function heldDisclosure(node: RepairNode, slot: NonceSlot): Promise<boolean> {
  for (const signed of slot.signed) if (!signed.noop && (await node.known(signed.hash))) return true;
  return false;
}

/** Sends signed bytes again: `sent` (or already held), `mined` (the nonce is used), `refused` otherwise. */
async function resend(node: RepairNode, raw: string): Promise<"sent" | "mined" | "refused"> {
  try {
    await node.sendRaw(raw);
    return "sent";
  } catch (error) {
    if (isKnownTransaction(error)) return "sent";
    if (isNonceUsed(error)) return "mined";
    if (error instanceof RpcRefusalError) return "refused";
    return "sent"; // no answer: it may be in; the next check looks again
  }
}
