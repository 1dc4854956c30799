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
 * An SDK error's exit code follows from its `category` ({@link CATEGORY_EXIT_CODES}); a {@link CliError} names its
 * own (usage is the CLI's alone). Every report carries a category too, in the `--json` error body.
 *
 * Messages never carry key material or health data: FHIR issues are listed by element path and the validator's
 * message (which never quotes the element's value), and revert arguments are addresses, ids and codes.
 *
 * @module
 */
import { getAddress, isError } from "ethers";
import { MedrecError, breakglass, chain as sdkChain, type ErrorCategory } from "@medrec/sdk";

/** The exit codes of the CLI. */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  INVALID_INPUT: 3,
  NOT_FOUND: 4,
  REFUSED: 5,
} as const;
/** One of the values of {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code of each {@link ErrorCategory} (usage, 2, is not a category: only a {@link CliError} ends with it). */
export const CATEGORY_EXIT_CODES: Readonly<Record<ErrorCategory, ExitCode>> = Object.freeze({
  "invalid-input": ExitCode.INVALID_INPUT,
  "not-found": ExitCode.NOT_FOUND,
  refused: ExitCode.REFUSED,
  unavailable: ExitCode.FAILURE,
  integrity: ExitCode.FAILURE,
  internal: ExitCode.FAILURE,
});

/** The category a {@link CliError} has by default, from its exit code (1 is `internal`; pass `category` to say `unavailable`). */
const EXIT_CATEGORIES: Readonly<Record<ExitCode, ErrorCategory>> = {
  [ExitCode.OK]: "internal",
  [ExitCode.FAILURE]: "internal",
  [ExitCode.USAGE]: "invalid-input",
  [ExitCode.INVALID_INPUT]: "invalid-input",
  [ExitCode.NOT_FOUND]: "not-found",
  [ExitCode.REFUSED]: "refused",
};

/** `ErrorOptions` of a {@link CliError}, and its category when the exit code alone does not say it. */
export interface CliErrorOptions extends ErrorOptions {
  /** Default: from the exit code (2 and 3 `invalid-input`, 4 `not-found`, 5 `refused`, 1 `internal`). */
  category?: ErrorCategory;
}

/** An error raised by the CLI itself, with the exit code it ends the process with. */
export class CliError extends MedrecError {
  /**
   * @param code Stable machine-readable code (e.g. `NOT_INITIALISED`).
   * @param message What is wrong and, when useful, what to do; never a secret.
   * @param exitCode The process exit code.
   * @param details Machine-readable details for `--json` error output (no secrets).
   * @param options `cause`, and the category when the exit code alone does not say it.
   */
  constructor(
    code: string,
    message: string,
    readonly exitCode: ExitCode,
    readonly details?: unknown,
    options?: CliErrorOptions,
  ) {
    super(code, options?.category ?? EXIT_CATEGORIES[exitCode], message, options);
  }
}

/** ethers error codes that mean the chain refused a transaction or call. */
const ETHERS_REFUSALS = ["CALL_EXCEPTION", "INSUFFICIENT_FUNDS", "NONCE_EXPIRED", "REPLACEMENT_UNDERPRICED", "TRANSACTION_REPLACED"] as const;

/** What the CLI prints about an error. */
export interface ErrorReport {
  /** Stable machine-readable code. */
  code: string;
  /** What kind of failure it is. */
  category: ErrorCategory;
  /** One line, no secrets. */
  message: string;
  /** The process exit code. */
  exitCode: ExitCode;
  /** Machine-readable details for `--json` (no secrets). */
  details?: unknown;
}

// ------------------------------------------------------------------ revert decoding

/** Deployed address (checksummed) → contract name, registered when the CLI connects. */
const knownContracts = new Map<string, string>();

/** Tells the revert decoder which contract lives at which address, to name the contract of a revert. */
export function registerContracts(contracts: Record<string, string>): void {
  for (const [name, address] of Object.entries(contracts)) knownContracts.set(getAddress(address), name);
}

/** A decoded revert (the SDK's `chain.DecodedRevert`). */
export type DecodedRevert = sdkChain.DecodedRevert;

/**
 * Decodes revert data with the ABIs of the medrec contracts (custom errors), `Error(string)` and `Panic(uint256)`.
 * @param data The revert data, hex.
 * @param to The contract called, when known: names the contract when several declare the error.
 * @returns The decoded revert, or `null` when the data matches none.
 */
export function decodeRevert(data: string, to?: string | null): DecodedRevert | null {
  return sdkChain.decodeMedrecRevert(data, to ? knownContracts.get(safeAddress(to) ?? "") : undefined);
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
  if (error instanceof CliError) {
    return { code: error.code, category: error.category, message: error.message, exitCode: error.exitCode, details: error.details };
  }
  // A break-glass error already names the decoded refusal; its cause (a viem or ethers error) must not override its code.
  if (error instanceof breakglass.BreakGlassError) return describeMedrecError(error);
  const chain = causeChain(error);
  const refusal = chain.find(isEthersRefusal);
  if (refusal !== undefined) return describeRefusal(refusal, chain[0]);
  const rejection = chain.find(isNodeRejection);
  if (rejection !== undefined) return describeNodeRejection(rejection);
  const medrec = chain.find((e): e is MedrecError => e instanceof MedrecError);
  if (medrec) return describeMedrecError(medrec);
  const network = sdkChain.findUnreachable(error);
  if (network !== undefined) {
    return report("NETWORK_ERROR", "unavailable", `cannot reach the chain's RPC node (${errorText(network)})`);
  }
  return report("UNEXPECTED", "internal", errorText(error));
}

/** A report whose exit code follows from its category ({@link CATEGORY_EXIT_CODES}). */
function report(code: string, category: ErrorCategory, message: string, details?: unknown): ErrorReport {
  const described: ErrorReport = { code, category, message, exitCode: CATEGORY_EXIT_CODES[category] };
  if (details !== undefined) described.details = details;
  return described;
}

function describeMedrecError(error: MedrecError): ErrorReport {
  const issues = (error as { issues?: readonly { path: string; code: string; message?: string }[] }).issues;
  if (error.code === "FHIR_INVALID" && Array.isArray(issues)) {
    return report(error.code, error.category, fhirIssuesMessage("invalid FHIR R4", issues), { issues: issueList(issues) });
  }
  return report(error.code, error.category, error.message);
}

function describeRefusal(error: unknown, outer: unknown): ErrorReport {
  if (isError(error, "INSUFFICIENT_FUNDS")) {
    return report("INSUFFICIENT_FUNDS", "refused", "the account has not enough ETH to pay for gas on this chain");
  }
  if (isError(error, "CALL_EXCEPTION")) {
    const data = sdkChain.findRevertData(error);
    const revert = data ? decodeRevert(data, calledAddress(error)) : null;
    const context = outer instanceof MedrecError && (outer as unknown) !== error ? `${outer.message}: ` : "";
    if (revert) {
      const where = revert.contract ? `${revert.contract}.` : "";
      return report("CHAIN_REVERT", "refused", `${context}the chain refused: ${where}${revert.error}(${revert.args.join(", ")})`, revert);
    }
    const reason = (error as { reason?: string | null }).reason;
    return report("CHAIN_REVERT", "refused", `${context}the chain refused the transaction${reason ? `: ${reason}` : ""}`);
  }
  return report((error as { code: string }).code, "refused", `the chain refused the transaction (${errorText(error)})`);
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
    return report("INSUFFICIENT_FUNDS", "refused", `the account has not enough ETH to pay for gas on this chain (${message})`);
  }
  const method = (error as { payload?: { method?: unknown } }).payload?.method;
  if (typeof method === "string" && TRANSACTION_METHODS.has(method)) {
    return report("CHAIN_REJECTED", "refused", `the node rejected the transaction: ${message}`);
  }
  return report("NODE_ERROR", "internal", `the RPC node answered with an error: ${message}`);
}

/** The first line of an error's short message. */
function errorText(error: unknown): string {
  if (error instanceof Error) {
    const short = (error as { shortMessage?: string }).shortMessage;
    return (short ?? error.message).split("\n")[0];
  }
  return String(error);
}
