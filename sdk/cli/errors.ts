/**
 * Exit codes of the `medrec` CLI and how an error becomes one: a code, a one-line message and the exit code.
 *
 * | exit | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | any other failure (network, storage integrity, unexpected errors) |
 * | 2 | usage: bad arguments (commander), missing `MEDREC_PASSPHRASE`, home not initialised, no Safe contracts in the config |
 * | 3 | invalid input: invalid FHIR, malformed keys or arguments the SDK rejects, wrong passphrase, bad deployment, a break-glass proposal file that does not check out |
 * | 4 | not found: record token, record key, stored content, input file |
 * | 5 | the chain refused: a revert (decoded with the medrec ABIs), no ETH for gas, missing permission, a break-glass refusal (threshold, owner, signature, nonce, execution) |
 *
 * Messages never carry key material or health data: FHIR issues are listed by element path and the validator's
 * message (which never quotes the element's value), and revert arguments are addresses, ids and codes.
 *
 * @module
 */
import { getAddress, isError } from "ethers";
import { findRevertData } from "../chain/revert-data";
import { revertDecoder, type DecodedRevert } from "../chain/revert-decoder";
import { MedrecError } from "../errors";
import { BreakGlassError } from "../breakglass/errors";
import { ConsentManager__factory } from "../../typechain-types/factories/contracts/ConsentManager__factory";
import { PatientRegistry__factory } from "../../typechain-types/factories/contracts/PatientRegistry__factory";
import { ProviderRegistry__factory } from "../../typechain-types/factories/contracts/ProviderRegistry__factory";
import { RecordToken__factory } from "../../typechain-types/factories/contracts/RecordToken__factory";

/** The exit codes of the CLI. */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  INVALID_INPUT: 3,
  NOT_FOUND: 4,
  REFUSED: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error raised by the CLI itself, with the exit code it ends the process with. */
export class CliError extends MedrecError {
  /**
   * @param code Stable machine-readable code (e.g. `NOT_INITIALISED`).
   * @param message What is wrong and, when useful, what to do; never a secret.
   * @param exitCode The process exit code.
   * @param details Machine-readable details for `--json` error output (no secrets).
   */
  constructor(
    code: string,
    message: string,
    readonly exitCode: ExitCode,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** SDK error codes that mean the input was invalid. */
const INVALID_INPUT_CODES: ReadonlySet<string> = new Set([
  "FHIR_INVALID",
  "INVALID_ARGUMENT",
  "INVALID_KEY",
  "UNSUPPORTED_CID",
  // break-glass inputs (sdk/breakglass BreakGlassError)
  "INVALID_DURATION",
  "MISSING_REASON",
  "INVALID_SAFE_CONFIG",
]);
/** SDK error codes that mean something asked for does not exist. */
const NOT_FOUND_CODES: ReadonlySet<string> = new Set([
  "RECORD_NOT_FOUND",
  "RECORD_KEY_NOT_FOUND",
  "CONTENT_NOT_FOUND",
  "UNKNOWN_RECORD",
  "KEY_NOT_DEPOSITED",
  "RECORD_ERASED",
]);
/** SDK error codes that mean the chain refused. */
const REFUSED_CODES: ReadonlySet<string> = new Set([
  "RECORD_WRITE_FAILED",
  // refusals of the resolver (sdk/resolver ResolverError)
  "ACCESS_DENIED",
  "INVALID_SIGNATURE",
  "REQUEST_EXPIRED",
  "NONCE_REPLAYED",
  "NOT_RECORD_WRITER",
  "VERSION_MISMATCH",
  "KEY_DOES_NOT_OPEN",
  "RATE_LIMITED",
  // refusals of break-glass (sdk/breakglass BreakGlassError; INVALID_SIGNATURE is shared with the resolver)
  "THRESHOLD_NOT_MET",
  "NOT_A_SAFE_OWNER",
  "STALE_NONCE",
  "EXECUTION_FAILED",
  // `breakglass propose`: ConsentManager would refuse the call from the Safe (when the revert is not decoded)
  "PROPOSAL_REFUSED",
]);
/** ethers error codes that mean the chain refused a transaction or call. */
const ETHERS_REFUSALS = ["CALL_EXCEPTION", "INSUFFICIENT_FUNDS", "NONCE_EXPIRED", "REPLACEMENT_UNDERPRICED", "TRANSACTION_REPLACED"] as const;

/** What the CLI prints about an error. */
export interface ErrorReport {
  code: string;
  message: string;
  exitCode: ExitCode;
  details?: unknown;
}

// ------------------------------------------------------------------ revert decoding

/** The medrec contracts whose custom errors the CLI decodes. */
const decodeMedrecRevert = revertDecoder([
  { name: "PatientRegistry", abi: PatientRegistry__factory.abi },
  { name: "ProviderRegistry", abi: ProviderRegistry__factory.abi },
  { name: "ConsentManager", abi: ConsentManager__factory.abi },
  { name: "RecordToken", abi: RecordToken__factory.abi },
]);
/** Deployed address (checksummed) → contract name, registered when the CLI connects. */
const knownContracts = new Map<string, string>();

/** Tells the revert decoder which contract lives at which address, to name the contract of a revert. */
export function registerContracts(contracts: Record<string, string>): void {
  for (const [name, address] of Object.entries(contracts)) knownContracts.set(getAddress(address), name);
}

export type { DecodedRevert } from "../chain/revert-decoder";

/**
 * Decodes revert data with the ABIs of the medrec contracts (custom errors), `Error(string)` and `Panic(uint256)`.
 * @param data The revert data, hex.
 * @param to The contract called, when known: names the contract when several declare the error.
 * @returns The decoded revert, or `null` when the data matches none.
 */
export function decodeRevert(data: string, to?: string | null): DecodedRevert | null {
  return decodeMedrecRevert(data, to ? knownContracts.get(safeAddress(to) ?? "") : undefined);
}

function safeAddress(value: string): string | null {
  try {
    return getAddress(value);
  } catch {
    return null;
  }
}


/** The address a failed call or transaction went to, when the error names it. */
function calledAddress(error: unknown): string | null {
  const record = error as { transaction?: { to?: unknown }; invocation?: unknown };
  return typeof record.transaction?.to === "string" ? record.transaction.to : null;
}

// ------------------------------------------------------------------ mapping

/** Errors along the `cause` chain of `error`, outermost first. */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (current !== undefined && current !== null && chain.length < 8 && !chain.includes(current)) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

function isEthersRefusal(error: unknown): boolean {
  return ETHERS_REFUSALS.some((code) => isError(error, code));
}

/** The exit code for `error`. */
export function exitCodeFor(error: unknown): ExitCode {
  return describeError(error).exitCode;
}

/**
 * What to print about an error: a stable code, a one-line message and the exit code.
 * @param error Anything thrown.
 */
export function describeError(error: unknown): ErrorReport {
  if (error instanceof CliError) return { code: error.code, message: error.message, exitCode: error.exitCode, details: error.details };
  // A break-glass error already names the decoded refusal; its cause (a viem or ethers error) must not override its code.
  if (error instanceof BreakGlassError) return describeMedrecError(error);
  const chain = causeChain(error);
  const refusal = chain.find(isEthersRefusal);
  if (refusal !== undefined) return describeRefusal(refusal, chain[0]);
  const rejection = chain.find(isNodeRejection);
  if (rejection !== undefined) return describeNodeRejection(rejection);
  const medrec = chain.find((e): e is MedrecError => e instanceof MedrecError);
  if (medrec) return describeMedrecError(medrec);
  const network = chain.find((e) => isError(e, "NETWORK_ERROR") || isError(e, "TIMEOUT") || isConnectionError(e));
  if (network !== undefined) {
    return { code: "NETWORK_ERROR", message: `cannot reach the chain's RPC node (${errorText(network)})`, exitCode: ExitCode.FAILURE };
  }
  return { code: "UNEXPECTED", message: errorText(error), exitCode: ExitCode.FAILURE };
}

function describeMedrecError(error: MedrecError): ErrorReport {
  const exitCode = INVALID_INPUT_CODES.has(error.code)
    ? ExitCode.INVALID_INPUT
    : NOT_FOUND_CODES.has(error.code)
      ? ExitCode.NOT_FOUND
      : REFUSED_CODES.has(error.code)
        ? ExitCode.REFUSED
        : ExitCode.FAILURE;
  const issues = (error as { issues?: readonly { path: string; code: string; message?: string }[] }).issues;
  if (error.code === "FHIR_INVALID" && Array.isArray(issues)) {
    return { code: error.code, message: fhirIssuesMessage("invalid FHIR R4", issues), exitCode, details: { issues: issueList(issues) } };
  }
  return { code: error.code, message: error.message, exitCode };
}

function describeRefusal(error: unknown, outer: unknown): ErrorReport {
  if (isError(error, "INSUFFICIENT_FUNDS")) {
    return { code: "INSUFFICIENT_FUNDS", message: "the account has not enough ETH to pay for gas on this chain", exitCode: ExitCode.REFUSED };
  }
  if (isError(error, "CALL_EXCEPTION")) {
    const data = findRevertData(error);
    const revert = data ? decodeRevert(data, calledAddress(error)) : null;
    const context = outer instanceof MedrecError && outer !== error ? `${outer.message}: ` : "";
    if (revert) {
      const where = revert.contract ? `${revert.contract}.` : "";
      return {
        code: "CHAIN_REVERT",
        message: `${context}the chain refused: ${where}${revert.error}(${revert.args.join(", ")})`,
        exitCode: ExitCode.REFUSED,
        details: revert,
      };
    }
    const reason = (error as { reason?: string | null }).reason;
    return { code: "CHAIN_REVERT", message: `${context}the chain refused the transaction${reason ? `: ${reason}` : ""}`, exitCode: ExitCode.REFUSED };
  }
  return { code: (error as { code: string }).code, message: `the chain refused the transaction (${errorText(error)})`, exitCode: ExitCode.REFUSED };
}

/** One FHIR issue as the CLI reports it: where, what (the validator's words), and the issue code; never a value. */
export interface CliFhirIssue {
  /** The element path, e.g. `Patient.birthDate`. */
  path: string;
  /** Why it was rejected (`FhirIssue.message` of `sdk/fhir`, which never carries the element's value). */
  message: string;
  /** The FHIR `OperationOutcome.issue.code`, e.g. `invalid`. */
  code: string;
}

/**
 * FHIR issues as the `--json` error body lists them: path, message and issue code of every issue.
 * @param issues The validator's issues (`FhirIssue`s: their messages never carry element values).
 */
export function issueList(issues: readonly { path: string; code: string; message?: string }[]): CliFhirIssue[] {
  return issues.map((issue) => ({ path: issue.path, message: issueMessage(issue), code: issue.code }));
}

/**
 * The validator's message of an issue (its code when it has none), with anything quoted in it replaced by `'…'`:
 * `FhirIssue.message` promises never to carry the element's value; should one ever quote it, the CLI still does
 * not print it (defence in depth: CLI output ends up in terminals, scrollback and CI logs).
 */
export function issueMessage(issue: { code: string; message?: string }): string {
  const message = issue.message && issue.message.trim() !== "" ? issue.message : issue.code;
  return message.replace(/'[^']*'|"[^"]*"|`[^`]*`/g, "'…'");
}

/**
 * `"<prefix> (3 issues): Patient.birthDate: Invalid date format; …"` from at most 10 issues: each issue's path
 * and the validator's message (the issue code when there is no message).
 * @param prefix What was invalid (e.g. `invalid FHIR R4 in file.json`).
 * @param issues The validator's issues.
 */
export function fhirIssuesMessage(prefix: string, issues: readonly { path: string; code: string; message?: string }[]): string {
  const shown = issues.slice(0, 10).map((issue) => `${issue.path}: ${issueMessage(issue)}`);
  const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more` : "";
  return `${prefix} (${issues.length} issue${issues.length === 1 ? "" : "s"}): ${shown.join("; ")}${more}`;
}

/** JSON-RPC methods whose errors are the chain refusing a transaction. */
const TRANSACTION_METHODS: ReadonlySet<string> = new Set(["eth_sendRawTransaction", "eth_sendTransaction", "eth_estimateGas", "eth_call"]);

/** The node's own error message in an ethers `UNKNOWN_ERROR` (a JSON-RPC error ethers did not classify). */
function nodeMessage(error: unknown): string | null {
  const message = (error as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === "string" ? message.split("\n")[0] : null;
}

function isNodeRejection(error: unknown): boolean {
  return isError(error, "UNKNOWN_ERROR") && nodeMessage(error) !== null;
}

function describeNodeRejection(error: unknown): ErrorReport {
  const message = nodeMessage(error) as string;
  if (/insufficient funds|enough funds/i.test(message)) {
    return { code: "INSUFFICIENT_FUNDS", message: `the account has not enough ETH to pay for gas on this chain (${message})`, exitCode: ExitCode.REFUSED };
  }
  const method = (error as { payload?: { method?: unknown } }).payload?.method;
  if (typeof method === "string" && TRANSACTION_METHODS.has(method)) {
    return { code: "CHAIN_REJECTED", message: `the node rejected the transaction: ${message}`, exitCode: ExitCode.REFUSED };
  }
  return { code: "NODE_ERROR", message: `the RPC node answered with an error: ${message}`, exitCode: ExitCode.FAILURE };
}

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && ["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT"].includes(code);
}

/** The first line of an error's short message. */
function errorText(error: unknown): string {
  if (error instanceof Error) {
    const short = (error as { shortMessage?: string }).shortMessage;
    return (short ?? error.message).split("\n")[0];
  }
  return String(error);
}
