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
