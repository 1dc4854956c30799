/**
 * Identifiers of accounts and record tokens as they appear in FHIR AuditEvents.
 *
 * @module
 */
import { getAddress } from "ethers";

/**
 * The did:pkh of an account: `did:pkh:eip155:<chainId>:<lowercase address>`, as `PatientRegistry.didOf` gives it.
 * @param chainId The chain id, decimal.
 * @param account The account address.
 */
export function didPkh(chainId: string | number | bigint, account: string): string {
  return `did:pkh:eip155:${BigInt(chainId).toString(10)}:${getAddress(account).toLowerCase()}`;
}

/**
 * The identifier of a record token: `<chainId>/<lowercase RecordToken address>/<tokenId>` (`tokenId` is
 * decimal, or `all` for a patient-wide grant).
 * @param chainId The chain id, decimal.
 * @param recordToken The RecordToken address.
 * @param tokenId The token id as the accounting shows it.
 */
export function recordTokenIdentifier(chainId: string | number | bigint, recordToken: string, tokenId: string): string {
  return `${BigInt(chainId).toString(10)}/${getAddress(recordToken).toLowerCase()}/${tokenId}`;
}
