import { TypedDataEncoder, type Signer, type TypedDataDomain, type TypedDataField } from "ethers";

/** A consent as the patient signs it (EIP-712 `Consent`). */
export interface Consent {
  patient: string;
  grantee: string;
  tokenId: bigint;
  scopes: number;
  purpose: string;
  expiresAt: bigint;
  nonce: bigint;
  /**
   * The epoch of the (patient, token, grantee) pair this consent is signed at: `ConsentManager.consentEpochOf` read
   * just before signing (`epoch` of the pair's stored `Grant`, with the registration for `ALL_RECORDS`). The consent applies only while the pair is at that epoch; any
   * grant or revocation of the pair advances it, so an older consent can never overtake a newer one.
   */
  epoch: bigint;
  metadataId: string;
}

/** A relayed revocation as the patient signs it (EIP-712 `Revocation`). */
export interface Revocation {
  patient: string;
  grantee: string;
  tokenId: bigint;
  nonce: bigint;
  deadline: bigint;
}

/** EIP-712 types of `Consent`, field for field as in `ConsentManager.CONSENT_TYPEHASH`. */
export const CONSENT_TYPES: Record<string, TypedDataField[]> = {
  Consent: [
    { name: "patient", type: "address" },
    { name: "grantee", type: "address" },
    { name: "tokenId", type: "uint256" },
    { name: "scopes", type: "uint8" },
    { name: "purpose", type: "bytes32" },
    { name: "expiresAt", type: "uint64" },
    { name: "nonce", type: "uint256" },
    { name: "epoch", type: "uint64" },
    { name: "metadataId", type: "bytes32" },
  ],
};

/** EIP-712 types of `Revocation`, as in `ConsentManager.REVOCATION_TYPEHASH`. */
export const REVOCATION_TYPES: Record<string, TypedDataField[]> = {
  Revocation: [
    { name: "patient", type: "address" },
    { name: "grantee", type: "address" },
    { name: "tokenId", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
};

/**
 * The EIP-712 domain of a ConsentManager deployment: binds every signature to one chain and one contract.
 * @param chainId The chain the contract lives on.
 * @param verifyingContract The ConsentManager address.
 */
export function consentDomain(chainId: bigint | number, verifyingContract: string): TypedDataDomain {
  return { name: "medrec ConsentManager", version: "1", chainId, verifyingContract };
}

/**
 * Signs a consent with an EOA key (the patient's own signer).
 * @param signer The patient's signer; must be `consent.patient` for the grant to be accepted.
 * @param domain From {@link consentDomain}.
 * @param consent The consent to sign.
 * @returns The 65-byte signature as hex.
 */
export function signConsent(signer: Signer, domain: TypedDataDomain, consent: Consent): Promise<string> {
  return signer.signTypedData(domain, CONSENT_TYPES, consent);
}

/**
 * Signs a revocation with an EOA key.
 * @param signer The patient's signer.
 * @param domain From {@link consentDomain}.
 * @param revocation The revocation to sign.
 */
export function signRevocation(signer: Signer, domain: TypedDataDomain, revocation: Revocation): Promise<string> {
  return signer.signTypedData(domain, REVOCATION_TYPES, revocation);
}

/**
 * The EIP-712 digest of a consent: what the patient's key (or account, through ERC-1271) signs, e.g. to show or
 * check it on a device without a signer at hand.
 * @param domain From {@link consentDomain}.
 * @param consent The consent.
 * @returns The 32-byte digest as hex.
 */
export function consentDigest(domain: TypedDataDomain, consent: Consent): string {
  return TypedDataEncoder.hash(domain, CONSENT_TYPES, consent);
}

/**
 * The EIP-712 digest of a revocation.
 * @param domain From {@link consentDomain}.
 * @param revocation The revocation.
 * @returns The 32-byte digest as hex.
 */
export function revocationDigest(domain: TypedDataDomain, revocation: Revocation): string {
  return TypedDataEncoder.hash(domain, REVOCATION_TYPES, revocation);
}
