import { MedrecError } from "../errors";
import { resolverErrorCategory } from "./protocol";

/**
 * The resolver refused a request, or could not be reached. `code` is the resolver's stable error code
 * (`ACCESS_DENIED`, `RECORD_ERASED`, `NONCE_REPLAYED`, `INVALID_SIGNATURE`, `REQUEST_EXPIRED`, `RATE_LIMITED`,
 * … see `RESOLVER_ERRORS`) or one of the client's (`RESOLVER_CLIENT_ERRORS`: `RESOLVER_UNREACHABLE`,
 * `RESOLVER_BAD_RESPONSE`); `status` is the HTTP status (0 when unreachable); `category` follows from the code
 * ({@link resolverErrorCategory}).
 */
export class ResolverError extends MedrecError {
  /**
   * @param code Stable code.
   * @param status HTTP status, 0 when no response arrived.
   * @param message What the resolver said; never key material.
   */
  constructor(code: string, readonly status: number, message: string, options?: ErrorOptions) {
    super(code, resolverErrorCategory(code), message, options);
  }
}
