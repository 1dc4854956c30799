/**
 * `checksummedAddress`: ethers' `getAddress`, remembered for the addresses asked most recently. A requester, its
 * resolver and a resolver's own account repeat on every access request, and each checksum is a keccak-256 in
 * JavaScript.
 *
 * @module
 */
import { getAddress } from "ethers";

/** Most addresses remembered; the oldest is dropped first. */
export const CHECKSUMS_KEPT = 10_000;
const known = new Map<string, string>();

/**
 * The checksummed form of `address`, as `getAddress` gives it (and throwing as it does on a malformed address or a
 * wrong mixed-case checksum), remembered for the last {@link CHECKSUMS_KEPT} addresses asked.
 * @param address `0x` + 40 hex digits.
 * @returns The EIP-55 checksummed address.
 */
export function checksummedAddress(address: string): string {
  let value = known.get(address);
  if (value === undefined) {
    value = getAddress(address);
    known.set(address, value);
    if (known.size > CHECKSUMS_KEPT) known.delete(known.keys().next().value!);
  }
  return value;
}
