import { getAddress, getBytes, hashMessage, hexlify, recoverAddress } from "ethers";
import { BreakGlassError } from "./errors";
import type { SafeConnection } from "./connect";

/** A Safe transaction as protocol-kit builds and signs it. */
export type SafeTransaction = Awaited<ReturnType<SafeConnection["createTransaction"]>>;

/** Who approved a Safe transaction, as the Safe contract will count it. */
export interface OwnerApprovals {
  /** The Safe transaction hash (EIP-712, bound to the Safe, the chain and the nonce). */
  safeTxHash: string;
  /** Distinct owners whose approval is valid: an ECDSA signature over `safeTxHash`, or an on-chain `approveHash`. */
  approvers: string[];
  /** Owner approvals the Safe needs. */
  threshold: number;
}

/**
 * Checks every signature collected on `safeTransaction` the way the Safe contract will, without sending anything:
 * EIP-712 and `eth_sign` signatures must recover to the owner they claim to be from; a pre-validated signature
 * counts when that owner approved the hash on-chain or is the executing account; contract (ERC-1271) signatures of
 * owners are counted and left to the chain to verify. Owners who approved the hash on-chain count too.
 * @param safe The Safe, connected as the executing party (its signer, if any, is the executor).
 * @param safeTransaction The transaction with its collected signatures.
 * @throws {@link BreakGlassError} `NOT_A_SAFE_OWNER` when a signature claims a signer that is not an owner,
 * `INVALID_SIGNATURE` when a signature does not recover to the owner it claims.
 */
export async function collectedApprovals(safe: SafeConnection, safeTransaction: SafeTransaction): Promise<OwnerApprovals> {
  const safeTxHash = await safe.getTransactionHash(safeTransaction);
  const owners = new Set((await safe.getOwners()).map((owner) => getAddress(owner)));
  const executor = await safe.getSafeProvider().getSignerAddress();
  const onChain = new Set((await safe.getOwnersWhoApprovedTx(safeTxHash)).map((owner) => getAddress(owner)));
  const approvers = new Set<string>(onChain);

  for (const signature of safeTransaction.signatures.values()) {
    const claimed = getAddress(signature.signer);
    if (!owners.has(claimed)) {
      throw new BreakGlassError("NOT_A_SAFE_OWNER", `a collected signature is from ${claimed}, which is not an owner of this Safe`);
    }
    if (signature.isContractSignature) {
      approvers.add(claimed);
      continue;
    }
    const bytes = getBytes(signature.data);
    if (bytes.length !== 65) throw new BreakGlassError("INVALID_SIGNATURE", `the signature of ${claimed} is not 65 bytes`);
    const v = bytes[64];
    if (v === 1) {
      if (onChain.has(claimed) || (executor !== undefined && getAddress(executor) === claimed)) approvers.add(claimed);
      continue;
    }
    const recovered = ownerSignatureSigner(safeTxHash, bytes);
    if (recovered === null) throw new BreakGlassError("INVALID_SIGNATURE", `the signature of ${claimed} is malformed`);
    if (recovered !== claimed) {
      throw new BreakGlassError(
        "INVALID_SIGNATURE",
        `the signature said to be from ${claimed} does not sign this Safe transaction (wrong Safe, chain, nonce or content)`,
      );
    }
    approvers.add(claimed);
  }
  return { safeTxHash, approvers: [...approvers], threshold: await safe.getThreshold() };
}

/**
 * The address whose ECDSA owner signature (65 bytes, `v` 27/28 over the safeTxHash as EIP-712 signs it, or `v` 31/32
 * for eth_sign of it) this is, as the Safe's `checkSignatures` recovers it; `null` when it is not such a signature
 * (wrong length, approved-hash or contract signature, or unrecoverable).
 * @param safeTxHash The Safe transaction hash the signature should cover.
 * @param signature The 65-byte signature.
 */
export function ownerSignatureSigner(safeTxHash: string, signature: string | Uint8Array): string | null {
  const bytes = getBytes(signature);
  if (bytes.length !== 65 || bytes[64] <= 1) return null;
  const v = bytes[64];
  const ethSign = v > 30;
  const digest = ethSign ? hashMessage(getBytes(safeTxHash)) : safeTxHash;
  try {
    return recoverAddress(digest, { r: hexlify(bytes.slice(0, 32)), s: hexlify(bytes.slice(32, 64)), v: ethSign ? v - 4 : v });
  } catch {
    return null;
  }
}
