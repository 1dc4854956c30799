/**
 * Record token ids: how a writer's ids are derived, the patient-wide id `ALL_RECORDS` and how ids are shown.
 *
 * @module
 */
import { assertArgument, getAddress, keccak256 } from "ethers";
import { checksummedAddress } from "./checksummed-address";

const LOW_128_BITS = (1n << 128n) - 1n;
const BYTES32_RE = /^0x[0-9a-fA-F]{64}$/;
/** The 12 zero bytes before an address in an ABI word. */
const ADDRESS_PAD = "00".repeat(12);

/**
 * The id `writer` mints for `patient` with `salt`, known before the mint: the low 128 bits of
 * keccak256(abi.encode(writer, patient, salt)), `2^128` if those are zero — what `RecordToken.tokenIdFor` returns.
 * @param writer The issuer that sends the mint (`msg.sender`).
 * @param patient The patient the record is minted to.
 * @param salt 32 bytes the writer picks (fresh and random, or derived from the record's identity to resume).
 */
export function recordTokenId(writer: string, patient: string, salt: string): bigint {
  assertArgument(typeof salt === "string" && BYTES32_RE.test(salt), "invalid bytes32 salt", "salt", salt);
  // abi.encode(address, address, bytes32): three words, the addresses left-padded (written out: the ABI coder
  // cost about 100 µs a call, once per record of an ingest); the writer and patient repeat, their checksums are remembered.
  const encoded = `0x${ADDRESS_PAD}${checksummedAddress(writer).slice(2)}${ADDRESS_PAD}${checksummedAddress(patient).slice(2)}${salt.slice(2)}`;
  const id = BigInt(keccak256(encoded)) & LOW_128_BITS;
  return id === 0n ? 1n << 128n : id;
}

/** Token id that makes a consent cover every record of the patient (`ConsentManager.ALL_RECORDS`, 2²⁵⁶−1). */
export const ALL_RECORDS = (1n << 256n) - 1n;

/**
 * A token id as people and reports read it: decimal, or `"all"` for `ALL_RECORDS`.
 * @param tokenId The token id.
 */
export function formatTokenId(tokenId: bigint): string {
  return tokenId === ALL_RECORDS ? "all" : tokenId.toString(10);
}

/**
 * The identifier of a record token: `<chainId>/<lowercase RecordToken address>/<tokenId>` (`tokenId` is
 * decimal, or `all` for a patient-wide grant).
 * @param chainId The chain id, decimal.
 * @param recordToken The RecordToken address.
 * @param tokenId The token id as {@link formatTokenId} shows it.
 */
export function recordTokenIdentifier(chainId: string | number | bigint, recordToken: string, tokenId: string): string {
  return `${BigInt(chainId).toString(10)}/${getAddress(recordToken).toLowerCase()}/${tokenId}`;
}
