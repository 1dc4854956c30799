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
 * (`breakglass-safe.ts`), since it needs the Safe's address, version and chain. Files are written mode 0600 and
 * atomically (temp file + rename).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { Interface, ZeroAddress, getAddress, getBytes, isAddress, isHexString } from "ethers";
import { ConsentManager__factory } from "../../sdk/chain/contracts/factories/contracts/ConsentManager__factory";
import { MAX_EMERGENCY_DURATION_SECONDS } from "../../sdk/vocabulary";
import { writePrivateFile } from "../../sdk/files/private-file";
import { CliError, ExitCode } from "./errors";

/** The `kind` of a proposal file. */
export const PROPOSAL_KIND = "medrec/breakglass-proposal";
/** The format version this CLI reads and writes. */
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

const consentInterface = new Interface(ConsentManager__factory.abi);

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
 * @throws {CliError} `PROPOSAL_INVALID` (3) for a malformed file or an unsupported transaction (not a plain call,
 * gas refunds); `PROPOSAL_INCONSISTENT` (3) when `call`, `reasonHash` or `consentManager` disagree with the signed
 * transaction data (an edited file).
 */
export function parseProposal(text: string, file: string): BreakGlassProposal {
  const invalid = (what: string) => new CliError("PROPOSAL_INVALID", `${file}: ${what}`, ExitCode.INVALID_INPUT);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalid("not JSON");
  }
  const top = record(raw, TOP_FIELDS, "the file", invalid);
  if (top.kind !== PROPOSAL_KIND) throw invalid(`not a break-glass proposal (kind must be ${PROPOSAL_KIND})`);
  if (top.version !== PROPOSAL_VERSION) throw invalid(`unsupported version ${String(top.version)} (this CLI reads version ${PROPOSAL_VERSION})`);
  const call = record(top.call, CALL_FIELDS, "call", invalid);
  const tx = record(top.safeTransaction, TX_FIELDS, "safeTransaction", invalid);
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

/**
 * Reads and checks a proposal file (see {@link parseProposal}).
 * @throws {CliError} `FILE_NOT_FOUND` (4), `FILE_UNREADABLE` (3), or those of {@link parseProposal}.
 */
export async function readProposalFile(file: string): Promise<BreakGlassProposal> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CliError("FILE_NOT_FOUND", `no such file: ${file}`, ExitCode.NOT_FOUND);
    throw new CliError("FILE_UNREADABLE", `cannot read ${file} (${code ?? "error"})`, ExitCode.INVALID_INPUT);
  }
  return parseProposal(text, file);
}

/** The file text of a proposal: its fields in a fixed order, two-space indentation. */
export function proposalText(proposal: BreakGlassProposal): string {
  const ordered: Record<string, unknown> = {};
  for (const field of TOP_FIELDS) ordered[field] = proposal[field];
  return JSON.stringify(ordered, null, 2) + "\n";
}

/** Writes a proposal file, mode 0600, atomically (a reader never sees half a file). */
export async function writeProposalFile(file: string, proposal: BreakGlassProposal): Promise<void> {
  await writePrivateFile(file, proposalText(proposal));
}

// ------------------------------------------------------------------ checks

type Invalid = (what: string) => CliError;

/** `value` as an object with exactly `fields` (missing and unknown fields refused). */
function record<F extends string>(value: unknown, fields: readonly F[], what: string, invalid: Invalid): Record<F, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(`${what} is not an object`);
  const keys = Object.keys(value);
  const unknown = keys.filter((key) => !(fields as readonly string[]).includes(key));
  if (unknown.length > 0) throw invalid(`${what} has unknown field(s): ${unknown.map((key) => key.slice(0, 40)).join(", ")}`);
  const missing = fields.filter((field) => !keys.includes(field));
  if (missing.length > 0) throw invalid(`${what} lacks ${missing.join(", ")}`);
  return value as Record<F, unknown>;
}

function address(value: unknown, what: string, invalid: Invalid): string {
  if (typeof value !== "string" || !isAddress(value)) throw invalid(`${what} is not an address`);
  return getAddress(value);
}

function decimal(value: unknown, what: string, invalid: Invalid): string {
  if (typeof value !== "string" || !/^(0|[1-9][0-9]{0,77})$/.test(value)) throw invalid(`${what} is not a decimal string`);
  return value;
}

function bytes32(value: unknown, what: string, invalid: Invalid): string {
  if (typeof value !== "string" || !isHexString(value, 32)) throw invalid(`${what} is not 32 bytes of hex`);
  return value.toLowerCase();
}

/** Owner → signature; EIP-712 ECDSA signatures only (v 27 or 28), as `medrec breakglass sign` makes them. */
function signatures(value: unknown, invalid: Invalid): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("signatures is not an object");
  const result: Record<string, string> = {};
  for (const [owner, signature] of Object.entries(value)) {
    const checked = address(owner, "a signatures key", invalid);
    if (typeof signature !== "string" || !isHexString(signature, 65)) throw invalid(`the signature of ${checked} is not 65 bytes of hex`);
    const v = getBytes(signature)[64];
    if (v !== 27 && v !== 28) throw invalid(`the signature of ${checked} is not an EIP-712 ECDSA signature (v must be 27 or 28)`);
    if (result[checked] !== undefined) throw invalid(`two signatures of ${checked}`);
    result[checked] = signature.toLowerCase();
  }
  return result;
}

/** Only a plain call without gas refunds: what `propose` builds, and nothing that could pay anyone from the Safe. */
function checkPlainCall(tx: ProposalSafeTransaction, invalid: Invalid): void {
  if (tx.operation !== 0) throw invalid("safeTransaction.operation must be 0 (Call); DELEGATECALL is never proposed");
  if (tx.value !== "0") throw invalid("safeTransaction.value must be 0");
  if (tx.safeTxGas !== "0" || tx.baseGas !== "0" || tx.gasPrice !== "0" || tx.gasToken !== ZeroAddress || tx.refundReceiver !== ZeroAddress) {
    throw invalid("safeTransaction must not carry gas refund parameters (safeTxGas, baseGas, gasPrice 0; gasToken, refundReceiver zero)");
  }
}

/** The readable fields must say what the signed data says. */
function checkConsistent(proposal: BreakGlassProposal, file: string): void {
  const inconsistent = (what: string) =>
    new CliError("PROPOSAL_INCONSISTENT", `${file}: ${what}; the file was edited after it was proposed`, ExitCode.INVALID_INPUT);
  const { safeTransaction: tx, call } = proposal;
  if (tx.to !== proposal.consentManager) throw inconsistent("safeTransaction.to is not consentManager");
  let decoded: ReturnType<Interface["parseTransaction"]> = null;
  try {
    decoded = consentInterface.parseTransaction({ data: tx.data });
  } catch {
    decoded = null;
  }
  if (!decoded || decoded.name !== "emergencyAccess") throw inconsistent("safeTransaction.data is not a ConsentManager.emergencyAccess call");
  const [tokenId, grantee, reasonHash, duration] = decoded.args as unknown as [bigint, string, string, bigint];
  if (tokenId.toString(10) !== call.tokenId) throw inconsistent("call.tokenId differs from the signed data");
  if (getAddress(grantee) !== call.grantee) throw inconsistent("call.grantee differs from the signed data");
  if (reasonHash.toLowerCase() !== proposal.reasonHash) throw inconsistent("reasonHash differs from the signed data");
  if (duration !== BigInt(call.durationSeconds)) throw inconsistent("call.durationSeconds differs from the signed data");
}
