/**
 * The resolver's refusals: each has a stable `code` (what clients branch on) and an HTTP status. Messages say
 * what was wrong and never carry key material or health data.
 *
 * @module
 */

/** Stable error codes and their HTTP status. */
export const ERROR_STATUS = {
  INVALID_REQUEST: 400,
  WRONG_RESOLVER: 400,
  INVALID_SIGNATURE: 401,
  REQUEST_EXPIRED: 401,
  ACCESS_DENIED: 403,
  NOT_RECORD_WRITER: 403,
  UNKNOWN_RECORD: 404,
  KEY_NOT_DEPOSITED: 404,
  NOT_FOUND: 404,
  NONCE_REPLAYED: 409,
  VERSION_MISMATCH: 409,
  KEY_ALREADY_DEPOSITED: 409,
  RECORD_ERASED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  KEY_DOES_NOT_OPEN: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  DISCLOSURE_FAILED: 502,
  CHAIN_UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
} as const;

export type ResolverErrorCode = keyof typeof ERROR_STATUS;

/** A refusal that becomes `{"error": {"code", "message"}}` with the code's HTTP status. */
export class ResolverHttpError extends Error {
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
    this.status = ERROR_STATUS[code];
  }
}
