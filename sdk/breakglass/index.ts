/**
 * Break-glass: emergency access to a patient's record through an M-of-N Safe (ARCHITECTURE.md, flow 6), with
 * `@safe-global/protocol-kit` and the Safe v1.4.1 contracts.
 *
 * Two kinds of Safe may open emergency access: the hospital's officers' Safe, which holds `BREAK_GLASS_ROLE`
 * (any record), and a Safe of a patient's guardians, which the patient names its emergency delegate on
 * ConsentManager (that patient's records only).
 *
 * ```ts
 * const officer1 = await connectSafe({ provider: rpcUrl, signerPrivateKey: key1, safeAddress, contractNetworks });
 * const proposal = await proposeEmergencyAccess({ safe: officer1, consentManager, tokenId, grantee, reason, durationSeconds: 3600 });
 * let tx = await signEmergencyAccess(officer1, proposal.safeTransaction);
 * tx = await signEmergencyAccess(officer2, tx);
 * const { transactionHash, gasUsed, expiresAt } = await executeEmergencyAccess(executor, tx);
 * ```
 *
 * The reason text never leaves the caller: only its keccak256 goes on-chain. Every deliberate error is a
 * {@link BreakGlassError} with a stable `code`.
 *
 * @module
 */
export { BREAK_GLASS_CATEGORIES, BreakGlassError, type BreakGlassErrorCode } from "./errors";
export { emergencyDuration, emergencyReasonHash } from "./reason";
export { MAX_EMERGENCY_DURATION_SECONDS } from "../vocabulary";
export {
  SAFE_CONTRACT_KEYS,
  SAFE_VERSION,
  contractNetworksFor,
  safeContractAddressesOf,
  type SafeContractAddresses,
  type SafeContractNetworks,
  type SafeDeploymentName,
} from "./contract-networks";
export { toSafeProvider, type JsonRpcSender, type SafeRpc } from "./rpc";
export { connectSafe, type ConnectSafeOptions, type SafeConnection } from "./connect";
export { createSafe, validateSafeConfig, type CreateSafeOptions, type CreatedSafe } from "./create-safe";
export {
  createGuardianSafe,
  guardianSafeSaltNonce,
  setEmergencyDelegateCall,
  type CreateGuardianSafeOptions,
  type GuardianSafe,
} from "./guardian-safe";
export { collectedApprovals, ownerSignatureSigner, type OwnerApprovals, type SafeTransaction } from "./approvals";
export {
  executeEmergencyAccess,
  proposeEmergencyAccess,
  signEmergencyAccess,
  type EmergencyAccessExecution,
  type EmergencyAccessProposal,
  type ExecuteEmergencyAccessOptions,
  type ProposeEmergencyAccessOptions,
} from "./emergency";
export { decodeConsentManagerRevert } from "./revert";
export { safeInterface, safeProxyFactoryInterface } from "./safe-abi";
export {
  PROPOSAL_KIND,
  PROPOSAL_VERSION,
  checkProposalTarget,
  parseProposal,
  proposalCall,
  proposalFileOf,
  proposalText,
  type BreakGlassProposal,
  type ProposalCall,
  type ProposalFacts,
  type ProposalSafeTransaction,
} from "./proposal-file";
export { signaturesOf } from "./proposal-signatures";
export { requireCurrentNonce, safeTransactionOf } from "./proposal-transaction";
export { proposalStatus, type ProposalState, type ProposalStatus } from "./proposal-status";
