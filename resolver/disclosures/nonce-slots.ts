/** Fees of a signed transaction: EIP-1559 (`maxFeePerGas`, `maxPriorityFeePerGas`) or legacy (`gasPrice`). */
export type Fees = { type: 2; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { type: 0; gasPrice: bigint };

/** One signed transaction the account sent (or tried to send) at a nonce. */
export interface SignedAtNonce {
  hash: string;
  /** The signed serialisation (what is sent again when the node lost it). */
  raw: string;
  fees: Fees;
  /** A zero-value self-transfer that takes the nonce instead of a disclosure. */
  noop: boolean;
}

/**
 * One nonce of the disclosure account that was handed out and is not known to be mined: the disclosure sent at it
 * and any no-op that replaced it, oldest first.
 */
export interface NonceSlot {
  nonce: number;
  signed: SignedAtNonce[];
  /**
   * The disclosure at this nonce was given up (its requests are, or are about to be, answered with a failure): from
   * now on only a no-op may be sent at this nonce, never the disclosure again.
   */
  cancelled: boolean;
  /** When the disclosure was first sent (`Date.now()`). */
  sentAt: number;
  /** Called once with the no-op's hash when the account replaced the disclosure of this slot on its own. */
  onReplaced?: (noopHash: string) => void;
}

/** Replacement fees: at least `fresh`, and at least 12.5 % (+1 wei) above `previous` (nodes ask for +10 % on both fees). */
export function bumpedFees(previous: Fees | undefined, fresh: Fees): Fees {
  const bump = (value: bigint) => value + value / 8n + 1n;
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  if (!previous) return fresh;
  if (previous.type === 0 || fresh.type === 0) {
    const prior = previous.type === 0 ? previous.gasPrice : previous.maxFeePerGas;
    const now = fresh.type === 0 ? fresh.gasPrice : fresh.maxFeePerGas;
    return { type: 0, gasPrice: max(bump(prior), now) };
  }
  const tip = max(bump(previous.maxPriorityFeePerGas), fresh.maxPriorityFeePerGas);
  return { type: 2, maxPriorityFeePerGas: tip, maxFeePerGas: max(max(bump(previous.maxFeePerGas), fresh.maxFeePerGas), tip) };
}

/** The last signed transaction of a slot. */
export function latestSigned(slot: NonceSlot): SignedAtNonce | undefined {
  return slot.signed[slot.signed.length - 1];
}

/**
 * Fees to outbid a transaction whose fees are not known (sent by an earlier run): twice `fresh`, so that a
 * replacement bumped from them clears a pending transaction signed at about the same fee level.
 */
export function doubledFees(fresh: Fees): Fees {
  return fresh.type === 0 ? { type: 0, gasPrice: fresh.gasPrice * 2n } : { type: 2, maxFeePerGas: fresh.maxFeePerGas * 2n, maxPriorityFeePerGas: fresh.maxPriorityFeePerGas * 2n };
}
