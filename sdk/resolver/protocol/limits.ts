/**
 * The resolver's protocol limits: the widths of the integers and the lengths of the byte strings its requests
 * carry. Integers travel as decimal strings; each is refused beyond its Solidity width.
 *
 * @module
 */
import { WRAPPED_KEY_LENGTH } from "../../crypto/wrap";

/** Bit width of a `uint64` field (deadlines, versions). */
export const UINT64_BITS = 64;
/** Bit width of a `uint256` field (token ids, nonces). */
export const UINT256_BITS = 256;
/** The Solidity widths of the resolver's integer fields. */
export type UintBits = typeof UINT64_BITS | typeof UINT256_BITS;

/**
 * How long the client waits for a resolver's answer, in ms (`resolverFetch`'s default). A resolver keeps its whole
 * budget for a key release (`disclosureTimeoutMs`) under it, so that it answers before the client gives up.
 */
export const RESOLVER_CLIENT_TIMEOUT_MS = 30_000;

/** Shortest signature accepted, in bytes (an ECDSA signature). */
export const SIGNATURE_MIN_BYTES = 65;
/** Longest signature accepted, in bytes (ERC-1271 signatures may be longer than ECDSA ones). */
export const SIGNATURE_MAX_BYTES = 1024;
/** Length of a wrapped data key in a deposit, in bytes: `WRAPPED_KEY_LENGTH` of `sdk/crypto`. */
export const WRAPPED_KEY_BYTES = WRAPPED_KEY_LENGTH;

/** Whether `value` fits an unsigned integer of `bits` bits. */
export function fitsUint(value: bigint, bits: UintBits): boolean {
  return value >= 0n && value < 1n << BigInt(bits);
}
