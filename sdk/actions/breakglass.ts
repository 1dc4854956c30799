/**
 * Break-glass actions through an M-of-N Safe (protocol-kit): connect to the deployment's Safe, propose an
 * emergency access, approve it (one owner signs), execute it once enough owners have signed.
 *
 * @module
 */
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
import { InvalidArgumentError } from "../errors";

/** Parameters of {@link connect}. */
export interface ConnectParams {
  /** The Safe; default the deployment's break-glass (officers') Safe. */
  safeAddress?: string;
  /** An owner's key (hex), to sign; or a funded key, to execute. Omit to read only. */
  signerPrivateKey?: string;
}

/**
 * A protocol-kit connection to a Safe on the client's chain, with the deployment's Safe contracts.
 * @throws ClientConfigError when the deployment has no Safe contracts (or no break-glass Safe and none is named).
 */
export function connect(client: MedrecClient, params: ConnectParams = {}): Promise<SafeConnection> {
  const safe = client.deployment.safe;
  if (safe === undefined) throw new ClientConfigError("breakglass.connect", "deployment with Safe contracts");
  const safeAddress = params.safeAddress ?? safe.breakGlass?.address;
  if (safeAddress === undefined) throw new ClientConfigError("breakglass.connect", "break-glass Safe");
  const addresses = safeContractAddressesOf(safe.contracts, (what) => new InvalidArgumentError(`deployment: ${what}`));
  return connectSafe({
    provider: client.rpcUrl ?? (client.provider as never),
    signerPrivateKey: params.signerPrivateKey,
    safeAddress,
    contractNetworks: contractNetworksFor(client.chainId, addresses),
  });
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
}

/** Proposes an emergency access: the Safe transaction calling the deployment's `ConsentManager.emergencyAccess`. */
export function propose(client: MedrecClient, params: ProposeParams): Promise<EmergencyAccessProposal> {
  return proposeEmergencyAccess({ ...params, consentManager: client.addresses.ConsentManager });
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
