/**
 * A proposal file's Safe transaction for protocol-kit: rebuilt with its signatures, its hash recomputed for the
 * connected Safe (address, version, chain) and compared with the file's `safeTxHash`; and the check that the
 * proposal is at the Safe's current nonce. protocol-kit is loaded on first use only.
 *
 * @module
 */
import type { SafeConnection } from "./connect";
import type { SafeTransaction } from "./approvals";
import { BreakGlassError } from "./errors";
import type { BreakGlassProposal } from "./proposal-file";

/**
 * protocol-kit's `SafeTransaction` of a proposal, with its signatures, after checking that it hashes to the file's
 * `safeTxHash` for the connected Safe.
 * @param connection The Safe of the proposal.
 * @param proposal A proposal read with `parseProposal`.
 * @throws {@link BreakGlassError} `PROPOSAL_HASH_MISMATCH` (an edited file, or a file for another Safe).
 */
export async function safeTransactionOf(connection: SafeConnection, proposal: BreakGlassProposal): Promise<SafeTransaction> {
  const { EthSafeSignature, EthSafeTransaction } = await import("@safe-global/protocol-kit");
  const transaction = new EthSafeTransaction({ ...proposal.safeTransaction });
  for (const [owner, signature] of Object.entries(proposal.signatures)) transaction.addSignature(new EthSafeSignature(owner, signature));
  const hash = (await connection.getTransactionHash(transaction)).toLowerCase();
  if (hash !== proposal.safeTxHash) {
    throw new BreakGlassError(
      "PROPOSAL_HASH_MISMATCH",
      `the proposal's transaction hashes to ${hash} for the Safe ${proposal.safe}, not to its safeTxHash ${proposal.safeTxHash}; the file was edited or is for another Safe`,
    );
  }
  return transaction;
}

/**
 * Checks that a proposal is at the Safe's current nonce (the only one the Safe executes next).
 * @throws {@link BreakGlassError} `STALE_NONCE`.
 */
export function requireCurrentNonce(proposal: BreakGlassProposal, safeNonce: number): void {
  const nonce = proposal.safeTransaction.nonce;
  if (nonce === safeNonce) return;
  throw new BreakGlassError(
    "STALE_NONCE",
    `the proposal has nonce ${nonce} but the Safe is at ${safeNonce} (${nonce < safeNonce ? "already executed or replaced" : "an earlier Safe transaction is pending"})`,
  );
}
