import { getAddress } from "ethers";

/** Most addresses remembered; the oldest is dropped first. */
const CACHE_SIZE = 10_000;
const known = new Map<string, string>();

/**
 * `getAddress(address)` (the checksummed form; throws on a malformed address or a wrong mixed-case checksum, as
 * ethers does), remembered for the last {@link CACHE_SIZE} addresses asked: the readers and the resolver's own
 * account repeat on every request, and each checksum is a keccak-256 in JavaScript.
 */
export function checksummed(address: string): string {
  let value = known.get(address);
  if (value === undefined) {
    value = getAddress(address);
    known.set(address, value);
    if (known.size > CACHE_SIZE) known.delete(known.keys().next().value!);
  }
  return value;
}
