/**
 * Break-glass actions on a proposal file (`breakglass.parseProposal`), the form in which owners on different
 * machines pass one emergency access from one to the next: open it (checked for this deployment), approve it (the
 * connection's signer adds its signature, once), execute it, and read where it stands.
 *
 * @module
 */
import type { MedrecClient } from "../client/client";
import { collectedApprovals, type OwnerApprovals } from "../breakglass/approvals";
import type { SafeConnection } from "../breakglass/connect";
import { executeEmergencyAccess, signEmergencyAccess, type EmergencyAccessExecution, type ExecuteEmergencyAccessOptions } from "../breakglass/emergency";
import { checkProposalTarget, parseProposal, type BreakGlassProposal } from "../breakglass/proposal-file";
import { signaturesOf } from "../breakglass/proposal-signatures";
import { proposalStatus, type ProposalStatus } from "../breakglass/proposal-status";
import { requireCurrentNonce, safeTransactionOf } from "../breakglass/proposal-transaction";

/**
 * A proposal file's text, parsed and checked (shape, consistency with the signed data) and checked to be for the
 * client's chain and ConsentManager.
 * @param params `text`: the file's content; `source`: its name, for messages.
 * @throws {@link BreakGlassError} `PROPOSAL_INVALID`, `PROPOSAL_INCONSISTENT`, `PROPOSAL_WRONG_CHAIN`, `PROPOSAL_WRONG_DEPLOYMENT`.
 */
export function openProposal(client: MedrecClient, params: { text: string; source: string }): BreakGlassProposal {
  const proposal = parseProposal(params.text, params.source);
  checkProposalTarget(proposal, { chainId: client.chainId, consentManager: client.addresses.ConsentManager });
  return proposal;
}

/** What {@link approveProposal} did. */
export interface ApprovedProposal {
  /** The proposal with the signer's signature (unchanged when it had signed already). */
  proposal: BreakGlassProposal;
  /** Whether a signature was added. */
  added: boolean;
  /** The valid approvals after signing, and the threshold. */
  approvals: OwnerApprovals;
}

/**
 * The connection's signer (an owner) signs a proposal, after checking its hash against the Safe, that it is at the
 * Safe's current nonce and that every signature collected so far is an owner's over this transaction. Signing twice
 * adds nothing.
 * @throws {@link BreakGlassError} `PROPOSAL_HASH_MISMATCH`, `STALE_NONCE`, `NOT_A_SAFE_OWNER`, `INVALID_SIGNATURE`.
 */
export async function approveProposal(_client: MedrecClient, params: { safe: SafeConnection; proposal: BreakGlassProposal }): Promise<ApprovedProposal> {
  const { safe, proposal } = params;
  const transaction = await safeTransactionOf(safe, proposal);
  requireCurrentNonce(proposal, await safe.getNonce());
  const current = await collectedApprovals(safe, transaction);
  const signer = await safe.getSafeProvider().getSignerAddress();
  if (signer !== undefined && Object.keys(proposal.signatures).some((owner) => owner.toLowerCase() === signer.toLowerCase())) {
    return { proposal, added: false, approvals: current };
  }
  const signed = await signEmergencyAccess(safe, transaction);
  return { proposal: { ...proposal, signatures: signaturesOf(signed) }, added: true, approvals: await collectedApprovals(safe, signed) };
}

/**
 * Executes a proposal signed by enough owners (the connection's signer pays the gas; it need not be an owner).
 * @throws {@link BreakGlassError} `PROPOSAL_HASH_MISMATCH`, `THRESHOLD_NOT_MET`, `STALE_NONCE`, `EXECUTION_FAILED`, …
 */
export async function executeProposal(
  _client: MedrecClient,
  params: { safe: SafeConnection; proposal: BreakGlassProposal } & ExecuteEmergencyAccessOptions,
): Promise<EmergencyAccessExecution> {
  const { safe, proposal, ...options } = params;
  return executeEmergencyAccess(safe, await safeTransactionOf(safe, proposal), options);
}

/** Where a proposal stands: threshold, signatures (each checked), the Safe's nonce, executed or not. */
export function status(client: MedrecClient, params: { safe: SafeConnection; proposal: BreakGlassProposal }): Promise<ProposalStatus> {
  return proposalStatus(params.safe, params.proposal, { provider: client.provider, fromBlock: client.startBlock });
}
