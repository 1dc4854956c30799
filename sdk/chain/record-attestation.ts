import type { Signer, TypedDataDomain, TypedDataField } from "ethers";

/** An update attestation as the issuer signs it (EIP-712 `RecordUpdate` of `RecordToken`). */
export interface RecordUpdate {
  tokenId: bigint;
  /** The new binary CIDv1, hex. */
  cid: string;
  /** SHA-256 of the new ciphertext, hex. */
  contentHash: string;
  /** The version the update creates (current version + 1). */
  version: bigint;
}

/** EIP-712 types of `RecordUpdate`, as in `RecordToken.RECORD_UPDATE_TYPEHASH`. */
export const RECORD_UPDATE_TYPES: Record<string, TypedDataField[]> = {
  RecordUpdate: [
    { name: "tokenId", type: "uint256" },
    { name: "cid", type: "bytes" },
    { name: "contentHash", type: "bytes32" },
    { name: "version", type: "uint64" },
  ],
};

/**
 * The EIP-712 domain of a RecordToken deployment.
 * @param chainId The chain the contract lives on.
 * @param verifyingContract The RecordToken address.
 */
export function recordTokenDomain(chainId: bigint | number, verifyingContract: string): TypedDataDomain {
  return { name: "medrec RecordToken", version: "1", chainId, verifyingContract };
}

/**
 * Signs the attestation that `RecordToken.update` verifies on-chain.
 * @param issuer The issuer's signer; it must also be the account that sends the update.
 * @param domain From {@link recordTokenDomain}.
 * @param update The update being attested.
 */
export function signRecordUpdate(issuer: Signer, domain: TypedDataDomain, update: RecordUpdate): Promise<string> {
  return issuer.signTypedData(domain, RECORD_UPDATE_TYPES, update);
}
