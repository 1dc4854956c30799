import type { DisclosureEntry } from "./match";

const WORD = 64;
const UINT256_MAX = (1n << 256n) - 1n;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

const word = (value: bigint) => value.toString(16).padStart(WORD, "0");

/**
 * The calldata of `recordDisclosures(requests)` or `checkDisclosures(requests)` (both take one
 * `DisclosureRequest{uint256 tokenId, address grantee, bytes32 purpose, bytes32 requestHash}[]`), ABI-encoded by
 * hand: the array is static tuples, so it is the selector, the offset, the length and four words per entry. The
 * same bytes as ethers' `encodeFunctionData` (tested), without its coder and a checksum per grantee.
 * @param selector The function's 4-byte selector (`0x` hex).
 * @throws {RangeError} On a field that does not fit its type.
 */
export function encodeDisclosureRequests(selector: string, entries: readonly DisclosureEntry[]): string {
  const parts = [selector.toLowerCase(), word(32n), word(BigInt(entries.length))];
  for (const entry of entries) {
    if (entry.tokenId < 0n || entry.tokenId > UINT256_MAX) throw new RangeError("tokenId does not fit uint256");
    if (!ADDRESS.test(entry.grantee)) throw new RangeError("grantee is not an address");
    if (!BYTES32.test(entry.purpose) || !BYTES32.test(entry.requestHash)) throw new RangeError("purpose and requestHash must be 32 bytes");
    parts.push(word(entry.tokenId), entry.grantee.slice(2).toLowerCase().padStart(WORD, "0"), entry.purpose.slice(2).toLowerCase(), entry.requestHash.slice(2).toLowerCase());
  }
  return parts.join("");
}

/**
 * The `DisclosureCheck{uint8 status, uint64 version}[]` that `checkDisclosures` returned, decoded by hand and
 * checked strictly (offset, length == `count`, exact size, each value within its type).
 * @throws {RangeError} When the return data is not exactly such an array of `count` checks.
 */
export function decodeDisclosureChecks(data: string, count: number): { status: number; version: bigint }[] {
  if (!/^0x[0-9a-fA-F]*$/.test(data) || data.length !== 2 + WORD * (2 + 2 * count)) throw new RangeError("checkDisclosures returned data of another size");
  const at = (index: number) => BigInt(`0x${data.slice(2 + index * WORD, 2 + (index + 1) * WORD)}`);
  if (at(0) !== 32n || at(1) !== BigInt(count)) throw new RangeError("checkDisclosures returned another array");
  const checks: { status: number; version: bigint }[] = [];
  for (let i = 0; i < count; i++) {
    const status = at(2 + 2 * i);
    const version = at(3 + 2 * i);
    if (status > 0xffn || version >> 64n !== 0n) throw new RangeError("checkDisclosures returned a value out of its type");
    checks.push({ status: Number(status), version });
  }
  return checks;
}
