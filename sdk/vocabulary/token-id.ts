/**
 * Record token ids: the patient-wide id `ALL_RECORDS` and how ids are shown.
 *
 * @module
 */
import { getAddress } from "ethers";

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
