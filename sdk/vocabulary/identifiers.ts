/**
 * Identifiers of accounts and the FHIR systems medrec's resources (AuditEvent, Consent) share.
 *
 * @module
 */
import { getAddress } from "ethers";

/** Code system of HL7 v3 ActReason (purpose of use). */
export const ACT_REASON_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
/** Code system of HL7 v3 ParticipationType (agent types other than the DICOM roles). */
export const PARTICIPATION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
/** Identifier system of record tokens. */
export const RECORD_TOKEN_SYSTEM = "urn:medrec:record-token";
/** Identifier system of DIDs (RFC 3986 URIs). */
export const URI_SYSTEM = "urn:ietf:rfc:3986";

/**
 * The did:pkh of an account: `did:pkh:eip155:<chainId>:<lowercase address>`, as `PatientRegistry.didOf` gives it.
 * @param chainId The chain id, decimal.
 * @param account The account address.
 */
export function didPkh(chainId: string | number | bigint, account: string): string {
  return `did:pkh:eip155:${BigInt(chainId).toString(10)}:${getAddress(account).toLowerCase()}`;
}
