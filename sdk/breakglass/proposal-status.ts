/**
 * Where a break-glass proposal stands: the Safe's owners, threshold and nonce, which collected signatures are valid
 * owner signatures over its hash, who approved it on-chain, and whether it was executed, is stale (the Safe moved
 * past its nonce), is queued behind an earlier transaction, can be executed, or awaits signatures.
 *
 * @module
 */
import { getAddress, id, type Provider } from "ethers";
import { ownerSignatureSigner } from "./approvals";
import type { SafeConnection } from "./connect";
import type { BreakGlassProposal } from "./proposal-file";
import { safeTransactionOf } from "./proposal-transaction";

/** Where a proposal stands. */
export type ProposalState = "awaiting-signatures" | "executable" | "executed" | "stale" | "queued";

/** What {@link proposalStatus} found. */
export interface ProposalStatus {
  state: ProposalState;
  safeNonce: number;
  threshold: number;
  /** The Safe's owners, checksummed. */
  owners: string[];
  /** Each signature in the file, and whether it is a valid owner signature over the proposal's hash. */
  signatures: { owner: string; valid: boolean }[];
  /** Owners who approved the hash on-chain (`approveHash`). */
  approvedOnChain: string[];
  /** Distinct owners whose approval counts (valid signatures and on-chain approvals). */
  approvals: string[];
  /** Approvals still needed (0 when enough). */
  missing: number;
  /** The Safe's `ExecutionSuccess` of this proposal, when it was executed. */
  execution: { transactionHash: string; blockNumber: number } | null;
}

const EXECUTION_SUCCESS_TOPIC = id("ExecutionSuccess(bytes32,uint256)");

/**
 * The status of a proposal, read from the Safe (after checking the proposal's hash against it).
 * @param connection A connection to the proposal's Safe.
 * @param proposal A proposal read with `parseProposal`.
 * @param chain Reads the Safe's `ExecutionSuccess` events from `fromBlock` on (only once the Safe's nonce passed the proposal's).
 * @throws {@link BreakGlassError} `PROPOSAL_HASH_MISMATCH`.
 */
export async function proposalStatus(
  connection: SafeConnection,
  proposal: BreakGlassProposal,
  chain: { provider: Pick<Provider, "getLogs">; fromBlock: number },
): Promise<ProposalStatus> {
  await safeTransactionOf(connection, proposal);
  const [owners, threshold, safeNonce, onChain] = await Promise.all([
    connection.getOwners().then((list) => list.map((owner) => getAddress(owner))),
    connection.getThreshold(),
    connection.getNonce(),
    connection.getOwnersWhoApprovedTx(proposal.safeTxHash).then((list) => list.map((owner) => getAddress(owner))),
  ]);
  const nonce = proposal.safeTransaction.nonce;
  let execution: ProposalStatus["execution"] = null;
  if (nonce < safeNonce) {
    const logs = await chain.provider.getLogs({ address: proposal.safe, topics: [EXECUTION_SUCCESS_TOPIC, proposal.safeTxHash], fromBlock: chain.fromBlock });
    if (logs.length > 0) execution = { transactionHash: logs[0].transactionHash, blockNumber: logs[0].blockNumber };
  }
  const signatures = Object.entries(proposal.signatures).map(([owner, signature]) => ({
    owner,
    valid: owners.includes(owner) && ownerSignatureSigner(proposal.safeTxHash, signature) === owner,
  }));
  const approvals = [...new Set([...signatures.filter((s) => s.valid).map((s) => s.owner), ...onChain])];
  const state: ProposalState = execution
    ? "executed"
    : nonce < safeNonce
      ? "stale"
      : nonce > safeNonce
        ? "queued"
        : approvals.length >= threshold
          ? "executable"
          : "awaiting-signatures";
  return { state, safeNonce, threshold, owners, signatures, approvedOnChain: onChain, approvals, missing: Math.max(0, threshold - approvals.length), execution };
}
