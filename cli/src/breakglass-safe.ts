/**
 * The `breakglass` commands' side of the Safe: connecting to a Safe with the configured contract addresses,
 * turning a proposal file into protocol-kit's `SafeTransaction` (and back), and the checks that bind a file to this
 * chain, this deployment and this Safe. `sdk/breakglass` and protocol-kit are loaded on first use only, so other
 * commands do not pay for them at start-up.
 *
 * @module
 */
import { getAddress, type JsonRpcProvider } from "ethers";
import type { EmergencyAccessProposal, SafeConnection, SafeTransaction } from "../../sdk/breakglass";
import type { CliConfig } from "./config";
import { CliError, ExitCode } from "./errors";
import { PROPOSAL_KIND, PROPOSAL_VERSION, proposalCall, type BreakGlassProposal } from "./proposal-file";
import { configuredSafe } from "./safe-config";

/**
 * Connects to the Safe at `safeAddress` on the configured chain with protocol-kit, with the Safe contract addresses
 * of the config.
 * @param config The CLI config (RPC URL, chain id, `safe`).
 * @param provider Reads the Safe's code first, so that a wrong address fails clearly.
 * @param safeAddress The Safe.
 * @param signerPrivateKey The identity's key, to sign or execute; omit to read only. Kept in memory only.
 * @throws {CliError} `SAFE_NOT_CONFIGURED` (2), `SAFE_NOT_FOUND` (4) when there is no contract at the address,
 * `NOT_A_SAFE` (3) when the contract there does not answer as a Safe.
 */
export async function connectConfiguredSafe(
  config: CliConfig,
  provider: JsonRpcProvider,
  safeAddress: string,
  signerPrivateKey?: string,
): Promise<SafeConnection> {
  const { contractNetworks } = configuredSafe(config);
  if ((await provider.getCode(safeAddress)) === "0x") {
    throw new CliError("SAFE_NOT_FOUND", `there is no contract at ${safeAddress} on chain ${config.chainId}`, ExitCode.NOT_FOUND);
  }
  const { connectSafe } = await import("../../sdk/breakglass");
  try {
    return await connectSafe({ provider: config.rpcUrl, signerPrivateKey, safeAddress, contractNetworks });
  } catch (cause) {
    throw new CliError("NOT_A_SAFE", `the contract at ${safeAddress} does not answer as a Safe`, ExitCode.INVALID_INPUT, undefined, { cause });
  }
}

/**
 * Checks that a proposal is for the configured chain and ConsentManager.
 * @throws {CliError} `PROPOSAL_WRONG_CHAIN` (3) or `PROPOSAL_WRONG_DEPLOYMENT` (3).
 */
export function checkProposalTarget(proposal: BreakGlassProposal, config: CliConfig): void {
  if (proposal.chainId !== config.chainId) {
    throw new CliError("PROPOSAL_WRONG_CHAIN", `the proposal is for chain ${proposal.chainId}; this configuration is chain ${config.chainId}`, ExitCode.INVALID_INPUT);
  }
  if (proposal.consentManager !== getAddress(config.contracts.ConsentManager)) {
    throw new CliError(
      "PROPOSAL_WRONG_DEPLOYMENT",
      `the proposal calls ConsentManager ${proposal.consentManager}; this configuration's is ${config.contracts.ConsentManager}`,
      ExitCode.INVALID_INPUT,
    );
  }
}

/**
 * protocol-kit's `SafeTransaction` of a proposal, with its signatures, after recomputing its hash through
 * protocol-kit for the connected Safe (address, version, chain) and comparing it with the file's `safeTxHash`.
 * @param connection The Safe of the proposal.
 * @param proposal A proposal read with `readProposalFile`.
 * @throws {CliError} `PROPOSAL_HASH_MISMATCH` (3) when the transaction does not hash to `safeTxHash` for this
 * Safe (an edited file, or a file for another Safe).
 */
export async function safeTransactionOf(connection: SafeConnection, proposal: BreakGlassProposal): Promise<SafeTransaction> {
  const { EthSafeSignature, EthSafeTransaction } = await import("@safe-global/protocol-kit");
  const transaction = new EthSafeTransaction({ ...proposal.safeTransaction });
  for (const [owner, signature] of Object.entries(proposal.signatures)) transaction.addSignature(new EthSafeSignature(owner, signature));
  const hash = (await connection.getTransactionHash(transaction)).toLowerCase();
  if (hash !== proposal.safeTxHash) {
    throw new CliError(
      "PROPOSAL_HASH_MISMATCH",
      `the proposal's transaction hashes to ${hash} for the Safe ${proposal.safe}, not to its safeTxHash ${proposal.safeTxHash}; the file was edited or is for another Safe`,
      ExitCode.INVALID_INPUT,
    );
  }
  return transaction;
}

/** Owner (checksummed) → signature (hex) of a `SafeTransaction`. */
export function signaturesOf(transaction: SafeTransaction): Record<string, string> {
  const result: Record<string, string> = {};
  for (const signature of transaction.signatures.values()) result[getAddress(signature.signer)] = signature.data.toLowerCase();
  return result;
}

/**
 * The proposal file of a fresh proposal (no signatures yet).
 * @param proposal What `proposeEmergencyAccess` returned.
 * @param facts The chain, ConsentManager, proposer and the decoded call.
 */
export function proposalFileOf(
  proposal: EmergencyAccessProposal,
  facts: { chainId: string; consentManager: string; proposer: string; tokenId: bigint; grantee: string; durationSeconds: number; createdAt?: Date },
): BreakGlassProposal {
  const data = proposal.safeTransaction.data;
  return {
    kind: PROPOSAL_KIND,
    version: PROPOSAL_VERSION,
    chainId: facts.chainId,
    safe: getAddress(proposal.safeAddress),
    consentManager: getAddress(facts.consentManager),
    proposer: getAddress(facts.proposer),
    createdAt: (facts.createdAt ?? new Date()).toISOString(),
    call: proposalCall(facts.tokenId, facts.grantee, facts.durationSeconds),
    reasonHash: proposal.reasonHash.toLowerCase(),
    safeTransaction: {
      to: getAddress(data.to),
      value: String(data.value),
      data: data.data.toLowerCase(),
      operation: Number(data.operation),
      safeTxGas: String(data.safeTxGas),
      baseGas: String(data.baseGas),
      gasPrice: String(data.gasPrice),
      gasToken: getAddress(data.gasToken),
      refundReceiver: getAddress(data.refundReceiver),
      nonce: Number(data.nonce),
    },
    safeTxHash: proposal.safeTxHash.toLowerCase(),
    signatures: signaturesOf(proposal.safeTransaction),
  };
}
