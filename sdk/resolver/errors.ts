import { MedrecError, type ErrorCategory } from "../errors";

/**
 * The {@link ErrorCategory} of each code a {@link ResolverError} can carry: the resolver's own codes (see
 * `resolver/errors.ts`) and the client's `RESOLVER_UNREACHABLE`, `RESOLVER_BAD_RESPONSE`, `RECORD_VERSION_CHANGED`, and
 * `RESOLVER_MISMATCH` (a resolver of another chain or deployment: the caller's configuration).
 * A code not listed (a newer resolver's) is `internal`. Malformed requests (`INVALID_REQUEST`, `WRONG_RESOLVER`,
 * `PAYLOAD_TOO_LARGE`, `UNSUPPORTED_MEDIA_TYPE`, `NOT_FOUND`) are `internal` too: the SDK composes the request, so
 * one the resolver cannot take is a client/resolver mismatch (versions, configuration), not the caller's input.
 */
export const RESOLVER_ERROR_CATEGORIES: Readonly<Record<string, ErrorCategory>> = Object.freeze({
  ACCESS_DENIED: "refused",
  INVALID_SIGNATURE: "refused",
  REQUEST_EXPIRED: "refused",
  NONCE_REPLAYED: "refused",
  NOT_RECORD_WRITER: "refused",
  VERSION_MISMATCH: "refused",
  KEY_DOES_NOT_OPEN: "refused",
  KEY_ALREADY_DEPOSITED: "refused",
  RATE_LIMITED: "refused",
  UNKNOWN_RECORD: "not-found",
  KEY_NOT_DEPOSITED: "not-found",
  RECORD_ERASED: "not-found",
  CHAIN_UNAVAILABLE: "unavailable",
  SHUTTING_DOWN: "unavailable",
  DISCLOSURE_FAILED: "unavailable",
  RESOLVER_UNREACHABLE: "unavailable",
  RECORD_VERSION_CHANGED: "unavailable",
  INVALID_REQUEST: "internal",
  WRONG_RESOLVER: "internal",
  PAYLOAD_TOO_LARGE: "internal",
  UNSUPPORTED_MEDIA_TYPE: "internal",
  NOT_FOUND: "internal",
  RESOLVER_BAD_RESPONSE: "internal",
  INTERNAL: "internal",
  RESOLVER_MISMATCH: "invalid-input",
});

/** The category of a resolver error code: {@link RESOLVER_ERROR_CATEGORIES}, `internal` for an unknown code. */
export function resolverErrorCategory(code: string): ErrorCategory {
  return Object.hasOwn(RESOLVER_ERROR_CATEGORIES, code) ? RESOLVER_ERROR_CATEGORIES[code] : "internal";
}

/**
 * The resolver refused a request, or could not be reached. `code` is the resolver's stable error code
 * (`ACCESS_DENIED`, `RECORD_ERASED`, `NONCE_REPLAYED`, `INVALID_SIGNATURE`, `REQUEST_EXPIRED`, `RATE_LIMITED`,
 * …) or `RESOLVER_UNREACHABLE` / `RESOLVER_BAD_RESPONSE`; `status` is the HTTP status (0 when unreachable);
 * `category` follows from the code ({@link resolverErrorCategory}).
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
