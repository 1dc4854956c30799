/**
 * Break-glass actions through an M-of-N Safe (protocol-kit): connect to the deployment's Safe, propose an
 * emergency access (with its proposal file), approve it (one owner signs), execute it once enough owners have
 * signed. The same steps on a proposal file passed between owners are in `breakglass-proposals.ts`.
 *
 * @module
 */
import { ZeroAddress } from "ethers";
import type { MedrecClient } from "../client/client";
import { ClientConfigError } from "../client/client";
import { connectSafe, type SafeConnection } from "../breakglass/connect";
import { contractNetworksFor, safeContractAddressesOf } from "../breakglass/contract-networks";
import {
  executeEmergencyAccess,
  proposeEmergencyAccess,
  signEmergencyAccess,
  type EmergencyAccessExecution,
  type EmergencyAccessProposal,
  type ExecuteEmergencyAccessOptions,
} from "../breakglass/emergency";
import type { SafeTransaction } from "../breakglass/approvals";
import { BreakGlassError } from "../breakglass/errors";
import { proposalFileOf, type BreakGlassProposal } from "../breakglass/proposal-file";
import { InvalidArgumentError, MedrecError } from "../errors";

/** Parameters of {@link connect}. */
export interface ConnectParams {
  /** The Safe; default the deployment's break-glass (officers') Safe. */
  safeAddress?: string;
  /** An owner's key (hex), to sign; or a funded key, to execute. Omit to read only. */
  signerPrivateKey?: string;
}

/**
 * A protocol-kit connection to a Safe on the client's chain, with the deployment's Safe contracts. The address is
 * checked first, so that a wrong one fails clearly.
 * @throws ClientConfigError when the deployment has no Safe contracts (or no break-glass Safe and none is named);
 *   {@link BreakGlassError} `SAFE_NOT_FOUND` when there is no contract at the address, `NOT_A_SAFE` when the
 *   contract there does not answer as a Safe.
 */
export async function connect(client: MedrecClient, params: ConnectParams = {}): Promise<SafeConnection> {
  const safe = client.deployment.safe;
  if (safe === undefined) throw new ClientConfigError("breakglass.connect", "deployment with Safe contracts");
  const safeAddress = params.safeAddress ?? safe.breakGlass?.address;
  if (safeAddress === undefined) throw new ClientConfigError("breakglass.connect", "break-glass Safe");
  const addresses = safeContractAddressesOf(safe.contracts, (what) => new InvalidArgumentError(`deployment: ${what}`));
  if ((await client.provider.getCode(safeAddress)) === "0x") {
    throw new BreakGlassError("SAFE_NOT_FOUND", `there is no contract at ${safeAddress} on chain ${client.chainId}`);
  }
  try {
    return await connectSafe({
      provider: client.rpcUrl ?? (client.provider as never),
      signerPrivateKey: params.signerPrivateKey,
      safeAddress,
      contractNetworks: contractNetworksFor(client.chainId, addresses),
    });
  } catch (cause) {
    throw new BreakGlassError("NOT_A_SAFE", `the contract at ${safeAddress} does not answer as a Safe`, { cause });
  }
}

/** Parameters of {@link propose}. */
export interface ProposeParams {
  /** A connection to the Safe (`breakglass.connect`). */
  safe: SafeConnection;
  tokenId: bigint;
  /** The provider who gets READ access. */
  grantee: string;
  /** Why, in words; only its hash goes on-chain. */
  reason: string;
  /** How long, 1..86400 seconds. */
  durationSeconds: number | bigint;
  /** Who proposes, named in the proposal file (informative); default the acting account, else the zero address. */
  proposer?: string;
  /**
   * First run the call from the Safe (`eth_call`): ConsentManager must accept it now (role or delegate, active
   * grantee, live record), so that owners never collect signatures for a call the chain refuses. Default true.
   */
  simulate?: boolean;
}

/** A proposal and its file (`proposalText(file)` is what owners pass between their machines; no reason text in it). */
export type ProposedEmergencyAccess = EmergencyAccessProposal & { file: BreakGlassProposal };

/**
 * Proposes an emergency access: the Safe transaction calling the deployment's `ConsentManager.emergencyAccess`,
 * checked with a call from the Safe, and its proposal file.
 * @throws {@link BreakGlassError} `MISSING_REASON`, `INVALID_DURATION`; a `MedrecError` `PROPOSAL_REFUSED`
 *   (`refused`) when ConsentManager would refuse the call from the Safe (the chain's revert is its cause).
 */
export async function propose(client: MedrecClient, params: ProposeParams): Promise<ProposedEmergencyAccess> {
  const { simulate, proposer, ...options } = params;
  const consentManager = client.addresses.ConsentManager;
  const proposal = await proposeEmergencyAccess({ ...options, consentManager });
  if (simulate !== false) {
    try {
      await client.provider.call({ from: proposal.safeAddress, to: consentManager, data: proposal.safeTransaction.data.data });
    } catch (cause) {
      // A MedrecError around the chain's refusal: callers (the CLI's exit codes) decode the revert from the cause.
      throw new MedrecError("PROPOSAL_REFUSED", "refused", `ConsentManager would refuse this emergency access from the Safe ${proposal.safeAddress}`, { cause });
    }
  }
  const file = proposalFileOf(proposal, {
    chainId: client.chainId,
    consentManager,
    proposer: proposer ?? client.account?.address ?? ZeroAddress,
    tokenId: BigInt(params.tokenId),
    grantee: params.grantee,
    durationSeconds: Number(params.durationSeconds),
  });
  return { ...proposal, file };
}

/** One owner (the connection's signer) approves a proposed emergency access; returns it with that signature added. */
export function approve(_client: MedrecClient, params: { safe: SafeConnection; transaction: SafeTransaction }): Promise<SafeTransaction> {
  return signEmergencyAccess(params.safe, params.transaction);
}

/** Executes an emergency access signed by enough owners (the connection's signer pays the gas). */
export function execute(
  _client: MedrecClient,
  params: { safe: SafeConnection; transaction: SafeTransaction } & ExecuteEmergencyAccessOptions,
): Promise<EmergencyAccessExecution> {
  const { safe, transaction, ...options } = params;
  return executeEmergencyAccess(safe, transaction, options);
}
