/**
 * The resolver's refusals as thrown inside the service: each carries a stable code of the protocol
 * (`RESOLVER_ERRORS` of `sdk/resolver/protocol`) and so its HTTP status and category. Messages say what was wrong
 * and never carry key material or health data.
 *
 * @module
 */
import { RESOLVER_ERRORS, type ResolverErrorCode } from "@medrec/sdk/resolver/protocol";

/** A refusal that becomes an `ErrorBody` (`{"error": {"code", "category", "message"}}`) with the code's HTTP status. */
export class ResolverHttpError extends Error {
  /** The HTTP status of {@link ResolverHttpError.code}. */
  readonly status: number;
  /**
   * @param code Stable code.
   * @param message What was wrong; no secrets.
   * @param headers Extra response headers (e.g. `retry-after`).
   */
  constructor(
    readonly code: ResolverErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = RESOLVER_ERRORS[code].status;
  }
}

/** Seconds a client is asked to wait (`retry-after`) when the chain's node does not answer. */
export const CHAIN_RETRY_AFTER_SECONDS = 5;

/**
 * The refusal when the chain's node did not answer (or not in time): 503 `CHAIN_UNAVAILABLE` with `retry-after`.
 * @param message What did not answer, and that nothing was done or released.
 */
export function chainUnavailable(message: string): ResolverHttpError {
  return new ResolverHttpError("CHAIN_UNAVAILABLE", message, { "retry-after": String(CHAIN_RETRY_AFTER_SECONDS) });
}

/**
 * The refusal of a key release the resolver gave up because it is shutting down: 503 `SHUTTING_DOWN` with
 * `retry-after` (retryable: nothing was released, and its disclosure was given up).
 */
export function shuttingDown(): ResolverHttpError {
  return new ResolverHttpError("SHUTTING_DOWN", "the resolver is shutting down; nothing was released, try again", { "retry-after": String(CHAIN_RETRY_AFTER_SECONDS) });
}

/** Seconds a client is asked to wait (`retry-after`) when the resolver's database cannot be used. */
export const STORAGE_RETRY_AFTER_SECONDS = 10;

/**
 * SQLite result codes (node-sqlite3 puts the primary one in `code`, e.g. `SQLITE_FULL`; extended ones such as
 * `SQLITE_IOERR_WRITE` or `SQLITE_READONLY_DBMOVED` start with it) that mean the database cannot be used right now,
 * not that the statement is wrong: disk full, I/O error, read-only file or filesystem, file not openable, locked
 * beyond `busy_timeout`, and the database file corrupted or gone.
 */
export const STORAGE_FAILURE_CODES: readonly string[] = Object.freeze([
  "SQLITE_FULL",
  "SQLITE_IOERR",
  "SQLITE_READONLY",
  "SQLITE_CANTOPEN",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
  "SQLITE_CORRUPT",
  "SQLITE_NOTADB",
  "SQLITE_PROTOCOL",
]);

/** Whether `error` (or an error it wraps in `cause`) is a SQLite failure of the storage ({@link STORAGE_FAILURE_CODES}). */
export function isStorageFailure(error: unknown): boolean {
  for (let value = error, depth = 0; value !== null && typeof value === "object" && depth < 8; value = (value as { cause?: unknown }).cause, depth++) {
    const { code } = value as { code?: unknown };
    if (typeof code === "string" && STORAGE_FAILURE_CODES.some((prefix) => code === prefix || code.startsWith(`${prefix}_`))) return true;
  }
  return false;
}

/**
 * The refusal when the database could not be used: 503 `STORAGE_UNAVAILABLE` with `retry-after`. The message names
 * the SQLite code only (never a path or a row).
 * @param error The SQLite failure.
 */
export function storageUnavailable(error?: unknown): ResolverHttpError {
  const code = (error as { code?: unknown } | undefined)?.code;
  const cause = typeof code === "string" ? ` (${code})` : "";
  return new ResolverHttpError("STORAGE_UNAVAILABLE", `the resolver's storage cannot be used${cause}; nothing was released, try again later`, {
    "retry-after": String(STORAGE_RETRY_AFTER_SECONDS),
  });
}

/**
 * A missing contract: ethers' `BAD_DATA` on the empty return data (`0x`) of a call to an address without code, or the
 * resolver's own {@link ContractCodeMissingError}. On a chain the resolver was configured for, this means the node
 * answers but is not that chain any more (a fresh node on the same port): the chain is unavailable, not the request
 * wrong.
 */
export function isMissingContract(error: unknown): boolean {
  if (error instanceof ContractCodeMissingError) return true;
  const { code, value } = (error ?? {}) as { code?: unknown; value?: unknown };
  return code === "BAD_DATA" && value === "0x";
}

/** A contract call answered with empty data: no code at the address on the node the resolver asked. */
export class ContractCodeMissingError extends Error {
  constructor(readonly address: string) {
    super(`no contract code at ${address} on the resolver's chain`);
    this.name = "ContractCodeMissingError";
  }
}
