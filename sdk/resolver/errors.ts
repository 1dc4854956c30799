import { MedrecError } from "../errors";
import { resolverErrorCategory } from "./protocol";

/**
 * The resolver refused a request, or could not be reached. `code` is the resolver's stable error code
 * (`ACCESS_DENIED`, `RECORD_ERASED`, `NONCE_REPLAYED`, `INVALID_SIGNATURE`, `REQUEST_EXPIRED`, `RATE_LIMITED`,
 * … see `RESOLVER_ERRORS`) or one of the client's (`RESOLVER_CLIENT_ERRORS`: `RESOLVER_UNREACHABLE`,
 * `RESOLVER_BAD_RESPONSE`); `status` is the HTTP status (0 when unreachable); `category` follows from the code
 * ({@link resolverErrorCategory}). The `unavailable` ones (`CHAIN_UNAVAILABLE`, `STORAGE_UNAVAILABLE`,
 * `SHUTTING_DOWN`, `RESOLVER_UNREACHABLE`, …) released nothing and may be retried, after `retryAfterSeconds` when the
 * resolver said (`retry-after`).
 */
export class ResolverError extends MedrecError {
  /** The resolver's `retry-after`, in seconds, when it sent one (503s, 429). */
  readonly retryAfterSeconds?: number;
  /**
   * @param code Stable code.
   * @param status HTTP status, 0 when no response arrived.
   * @param message What the resolver said; never key material.
   * @param options `cause`, and the `retry-after` the resolver sent.
   */
  constructor(code: string, readonly status: number, message: string, options?: ErrorOptions & { retryAfterSeconds?: number }) {
    super(code, resolverErrorCategory(code), message, options);
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
