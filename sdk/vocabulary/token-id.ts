/**
 * Record token ids: how a writer's ids are derived, the patient-wide id `ALL_RECORDS` and how ids are shown.
 *
 * @module
 */
import { AbiCoder, getAddress, keccak256 } from "ethers";

const LOW_128_BITS = (1n << 128n) - 1n;

/**
 * The id `writer` mints for `patient` with `salt`, known before the mint: the low 128 bits of
 * keccak256(abi.encode(writer, patient, salt)), `2^128` if those are zero — what `RecordToken.tokenIdFor` returns.
 * @param writer The issuer that sends the mint (`msg.sender`).
 * @param patient The patient the record is minted to.
 * @param salt 32 bytes the writer picks (fresh and random, or derived from the record's identity to resume).
 */
export function recordTokenId(writer: string, patient: string, salt: string): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(["address", "address", "bytes32"], [getAddress(writer), getAddress(patient), salt]);
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
