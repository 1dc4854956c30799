/**
 * The break-glass proposal file that hospital officers pass between their machines: one Safe transaction calling
 * `ConsentManager.emergencyAccess`, its EIP-712 hash and the owner signatures collected so far.
 *
 * ```json
 * {
 *   "kind": "medrec/breakglass-proposal", "version": 1,
 *   "chainId": "31337", "safe": "0x…", "consentManager": "0x…", "proposer": "0x…", "createdAt": "2025-…Z",
 *   "call": { "function": "emergencyAccess", "tokenId": "7", "grantee": "0x…", "durationSeconds": 3600 },
 *   "reasonHash": "0x…",
 *   "safeTransaction": { "to": "0x…", "value": "0", "data": "0x…", "operation": 0, "safeTxGas": "0", "baseGas": "0",
 *                        "gasPrice": "0", "gasToken": "0x0…0", "refundReceiver": "0x0…0", "nonce": 4 },
 *   "safeTxHash": "0x…",
 *   "signatures": { "0xOwner…": "0x…65 bytes…" }
 * }
 * ```
 *
 * The reason text is **never** in the file (it may describe the patient's condition): only `reasonHash`, its
 * keccak256, which is what goes on-chain. The reason travels out of band, in the hospital's incident record.
 *
 * Reading a file checks its shape strictly (unknown fields refused) and that the readable fields (`call`,
 * `reasonHash`, `consentManager`) say what the signed `data` says; the hash is checked against the Safe elsewhere
 * (`proposal-transaction.ts`), since it needs the Safe's address, version and chain. Callers write the text
 * ({@link proposalText}) mode 0600 and atomically (`files.writePrivateFile`).
 *
 * @module
 */
import { getAddress, isHexString } from "ethers";
import { MAX_EMERGENCY_DURATION_SECONDS } from "../vocabulary";
import { BreakGlassError } from "./errors";
import type { EmergencyAccessProposal } from "./emergency";
import { signaturesOf } from "./proposal-signatures";
import { address, bytes32, checkConsistent, checkPlainCall, decimal, fields, signatures } from "./proposal-checks";

/** The `kind` of a proposal file. */
export const PROPOSAL_KIND = "medrec/breakglass-proposal";
/** The format version this SDK reads and writes. */
export const PROPOSAL_VERSION = 1;

/** The Safe transaction's fields, as protocol-kit's `SafeTransactionData` (operation 0 = Call). */
export interface ProposalSafeTransaction {
  to: string;
  value: string;
  data: string;
  operation: number;
  safeTxGas: string;
  baseGas: string;
  gasPrice: string;
  gasToken: string;
  refundReceiver: string;
  nonce: number;
}

/** The `emergencyAccess` call, decoded for people (the signed `data` is authoritative). */
export interface ProposalCall {
  function: "emergencyAccess";
  /** Record token id, decimal. */
  tokenId: string;
  grantee: string;
  durationSeconds: number;
}

/** A break-glass proposal file, version 1. */
export interface BreakGlassProposal {
  kind: typeof PROPOSAL_KIND;
  version: typeof PROPOSAL_VERSION;
  /** Decimal chain id. */
  chainId: string;
  /** The Safe that will call ConsentManager. */
  safe: string;
  consentManager: string;
  /** Who wrote the proposal (informative; not an approval). */
  proposer: string;
  /** ISO 8601 time of the proposal. */
  createdAt: string;
  call: ProposalCall;
  /** keccak256 of the reason text; the text itself is never in the file. */
  reasonHash: string;
  safeTransaction: ProposalSafeTransaction;
  /** The Safe transaction's EIP-712 hash, which owners sign. */
  safeTxHash: string;
  /** Owner address (checksummed) → 65-byte EIP-712 signature over `safeTxHash`. */
  signatures: Record<string, string>;
}

const TOP_FIELDS = [
  "kind",
  "version",
  "chainId",
  "safe",
  "consentManager",
  "proposer",
  "createdAt",
  "call",
  "reasonHash",
  "safeTransaction",
  "safeTxHash",
  "signatures",
] as const;
const CALL_FIELDS = ["function", "tokenId", "grantee", "durationSeconds"] as const;
const TX_FIELDS = ["to", "value", "data", "operation", "safeTxGas", "baseGas", "gasPrice", "gasToken", "refundReceiver", "nonce"] as const;

/** A proposal's `call` from its parts. */
export function proposalCall(tokenId: bigint, grantee: string, durationSeconds: number): ProposalCall {
  return { function: "emergencyAccess", tokenId: tokenId.toString(10), grantee: getAddress(grantee), durationSeconds };
}

/**
 * Parses and checks a proposal file's text (no chain needed).
 * @param text The file's content.
 * @param file The file's name, for messages.
 * @returns The proposal, addresses checksummed and signatures lower-case hex.
 * @throws {@link BreakGlassError} `PROPOSAL_INVALID` for a malformed file or an unsupported transaction (not a
 * plain call, gas refunds); `PROPOSAL_INCONSISTENT` when `call`, `reasonHash` or `consentManager` disagree with the
 * signed transaction data (an edited file). Both are `invalid-input`.
 */
export function parseProposal(text: string, file: string): BreakGlassProposal {
  const invalid = (what: string) => new BreakGlassError("PROPOSAL_INVALID", `${file}: ${what}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalid("not JSON");
  }
  const top = fields(raw, TOP_FIELDS, "the file", invalid);
  if (top.kind !== PROPOSAL_KIND) throw invalid(`not a break-glass proposal (kind must be ${PROPOSAL_KIND})`);
  if (top.version !== PROPOSAL_VERSION) throw invalid(`unsupported version ${String(top.version)} (this version of medrec reads version ${PROPOSAL_VERSION})`);
  const call = fields(top.call, CALL_FIELDS, "call", invalid);
  const tx = fields(top.safeTransaction, TX_FIELDS, "safeTransaction", invalid);
  if (call.function !== "emergencyAccess") throw invalid("call.function must be emergencyAccess");
  if (typeof top.createdAt !== "string" || Number.isNaN(Date.parse(top.createdAt))) throw invalid("createdAt is not an ISO 8601 time");
  const durationSeconds = call.durationSeconds;
  if (typeof durationSeconds !== "number" || !Number.isSafeInteger(durationSeconds) || durationSeconds < 1 || durationSeconds > MAX_EMERGENCY_DURATION_SECONDS) {
    throw invalid(`call.durationSeconds must be 1..${MAX_EMERGENCY_DURATION_SECONDS}`);
  }
  if (typeof tx.nonce !== "number" || !Number.isSafeInteger(tx.nonce) || tx.nonce < 0) throw invalid("safeTransaction.nonce is not a nonce");
  if (typeof tx.operation !== "number") throw invalid("safeTransaction.operation is not a number");
  if (typeof tx.data !== "string" || !isHexString(tx.data)) throw invalid("safeTransaction.data is not hex");

  const proposal: BreakGlassProposal = {
    kind: PROPOSAL_KIND,
    version: PROPOSAL_VERSION,
    chainId: decimal(top.chainId, "chainId", invalid),
    safe: address(top.safe, "safe", invalid),
    consentManager: address(top.consentManager, "consentManager", invalid),
    proposer: address(top.proposer, "proposer", invalid),
    createdAt: top.createdAt,
    call: proposalCall(BigInt(decimal(call.tokenId, "call.tokenId", invalid)), address(call.grantee, "call.grantee", invalid), durationSeconds),
    reasonHash: bytes32(top.reasonHash, "reasonHash", invalid),
    safeTransaction: {
      to: address(tx.to, "safeTransaction.to", invalid),
      value: decimal(tx.value, "safeTransaction.value", invalid),
      data: tx.data.toLowerCase(),
      operation: tx.operation,
      safeTxGas: decimal(tx.safeTxGas, "safeTransaction.safeTxGas", invalid),
      baseGas: decimal(tx.baseGas, "safeTransaction.baseGas", invalid),
      gasPrice: decimal(tx.gasPrice, "safeTransaction.gasPrice", invalid),
      gasToken: address(tx.gasToken, "safeTransaction.gasToken", invalid),
      refundReceiver: address(tx.refundReceiver, "safeTransaction.refundReceiver", invalid),
      nonce: tx.nonce,
    },
    safeTxHash: bytes32(top.safeTxHash, "safeTxHash", invalid),
    signatures: signatures(top.signatures, invalid),
  };
  checkPlainCall(proposal.safeTransaction, invalid);
  checkConsistent(proposal, file);
  return proposal;
}

/** The file text of a proposal: its fields in a fixed order, two-space indentation. */
export function proposalText(proposal: BreakGlassProposal): string {
  const ordered: Record<string, unknown> = {};
  for (const field of TOP_FIELDS) ordered[field] = proposal[field];
  return JSON.stringify(ordered, null, 2) + "\n";
}

/** What {@link proposalFileOf} needs besides the proposal: the deployment, the proposer and the decoded call. */
export interface ProposalFacts {
  /** The chain (decimal or bigint). */
  chainId: string | bigint;
  consentManager: string;
  /** Who proposes (informative; not an approval). */
  proposer: string;
  tokenId: bigint;
  grantee: string;
  durationSeconds: number;
  /** Default now. */
  createdAt?: Date;
}

/**
 * The proposal file of a fresh proposal (its signatures so far: none, unless the proposer signed).
 * @param proposal What `proposeEmergencyAccess` (or the `breakglass.propose` action) returned.
 * @param facts The chain, ConsentManager, proposer and the decoded call.
 */
export function proposalFileOf(proposal: EmergencyAccessProposal, facts: ProposalFacts): BreakGlassProposal {
  const data = proposal.safeTransaction.data;
  return {
    kind: PROPOSAL_KIND,
    version: PROPOSAL_VERSION,
    chainId: BigInt(facts.chainId).toString(10),
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

/**
 * Checks that a proposal is for this chain and this deployment's ConsentManager.
 * @throws {@link BreakGlassError} `PROPOSAL_WRONG_CHAIN` or `PROPOSAL_WRONG_DEPLOYMENT` (both `invalid-input`).
 */
export function checkProposalTarget(proposal: BreakGlassProposal, target: { chainId: string | bigint; consentManager: string }): void {
  const chainId = BigInt(target.chainId).toString(10);
  if (proposal.chainId !== chainId) {
    throw new BreakGlassError("PROPOSAL_WRONG_CHAIN", `the proposal is for chain ${proposal.chainId}; this deployment is on chain ${chainId}`);
  }
  if (proposal.consentManager !== getAddress(target.consentManager)) {
    throw new BreakGlassError(
      "PROPOSAL_WRONG_DEPLOYMENT",
      `the proposal calls ConsentManager ${proposal.consentManager}; this deployment's is ${getAddress(target.consentManager)}`,
    );
  }
}
