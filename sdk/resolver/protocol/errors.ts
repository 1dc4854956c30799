/**
 * The resolver's error codes: each refusal of the service has a stable `code` (what clients branch on), an HTTP
 * status and an {@link ErrorCategory}; every error response is an {@link ErrorBody}. The client adds a few codes of
 * its own for answers that never came or made no sense ({@link RESOLVER_CLIENT_ERRORS}).
 *
 * Categories are the SDK's view: malformed requests (`INVALID_REQUEST`, `WRONG_RESOLVER`, `PAYLOAD_TOO_LARGE`,
 * `UNSUPPORTED_MEDIA_TYPE`, `NOT_FOUND`) are `internal`, since the SDK composes every request, so one the resolver
 * cannot take is a client/resolver mismatch (versions, configuration), not the caller's input.
 *
 * The 503s are retryable and come with `retry-after`: `CHAIN_UNAVAILABLE` (the chain's node does not answer in time,
 * or the resolver's contracts have no code there: a fresh chain), `STORAGE_UNAVAILABLE` (the resolver's database
 * cannot be written or read: disk full, I/O error, read-only, locked), `SHUTTING_DOWN`. None of them released a key.
 *
 * @module
 */
import type { ErrorCategory } from "../../errors";

/** The HTTP status and the category of one error code. */
export interface ResolverErrorSpec {
  /** HTTP status of the response (0 for a client-side code: no response). */
  readonly status: number;
  readonly category: ErrorCategory;
}

/** Every code the resolver answers with, its HTTP status and its category. */
export const RESOLVER_ERRORS = Object.freeze({
  INVALID_REQUEST: { status: 400, category: "internal" },
  WRONG_RESOLVER: { status: 400, category: "internal" },
  INVALID_SIGNATURE: { status: 401, category: "refused" },
  REQUEST_EXPIRED: { status: 401, category: "refused" },
  ACCESS_DENIED: { status: 403, category: "refused" },
  NOT_RECORD_WRITER: { status: 403, category: "refused" },
  UNKNOWN_RECORD: { status: 404, category: "not-found" },
  KEY_NOT_DEPOSITED: { status: 404, category: "not-found" },
  NOT_FOUND: { status: 404, category: "internal" },
  NONCE_REPLAYED: { status: 409, category: "refused" },
  VERSION_MISMATCH: { status: 409, category: "refused" },
  KEY_ALREADY_DEPOSITED: { status: 409, category: "refused" },
  RECORD_ERASED: { status: 410, category: "not-found" },
  PAYLOAD_TOO_LARGE: { status: 413, category: "internal" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, category: "internal" },
  KEY_DOES_NOT_OPEN: { status: 422, category: "refused" },
  RATE_LIMITED: { status: 429, category: "refused" },
  INTERNAL: { status: 500, category: "internal" },
  DISCLOSURE_FAILED: { status: 502, category: "unavailable" },
  CHAIN_UNAVAILABLE: { status: 503, category: "unavailable" },
  STORAGE_UNAVAILABLE: { status: 503, category: "unavailable" },
  SHUTTING_DOWN: { status: 503, category: "unavailable" },
} as const satisfies Record<string, ResolverErrorSpec>);

/** A code the resolver answers with. */
export type ResolverErrorCode = keyof typeof RESOLVER_ERRORS;

/**
 * The client's own codes: no answer (`RESOLVER_UNREACHABLE`, status 0), an answer the client cannot read
 * (`RESOLVER_BAD_RESPONSE`), a record that changed while its key was released (`RECORD_VERSION_CHANGED`), and a
 * resolver of another chain or
 * deployment than the client's (`RESOLVER_MISMATCH`: the caller's configuration).
 */
export const RESOLVER_CLIENT_ERRORS = Object.freeze({
  RESOLVER_UNREACHABLE: { category: "unavailable" },
  RESOLVER_BAD_RESPONSE: { category: "internal" },
  RECORD_VERSION_CHANGED: { category: "unavailable" },
  RESOLVER_MISMATCH: { category: "invalid-input" },
} as const satisfies Record<string, Pick<ResolverErrorSpec, "category">>);

/** A code of the client's own. */
export type ResolverClientErrorCode = keyof typeof RESOLVER_CLIENT_ERRORS;

/**
 * The {@link ErrorCategory} of each code a resolver error can carry: the resolver's ({@link RESOLVER_ERRORS}) and the
 * client's ({@link RESOLVER_CLIENT_ERRORS}).
 */
export const RESOLVER_ERROR_CATEGORIES: Readonly<Record<ResolverErrorCode | ResolverClientErrorCode, ErrorCategory>> = Object.freeze(
  Object.fromEntries(
    [...Object.entries(RESOLVER_ERRORS), ...Object.entries(RESOLVER_CLIENT_ERRORS)].map(([code, spec]) => [code, spec.category]),
  ) as Record<ResolverErrorCode | ResolverClientErrorCode, ErrorCategory>,
);

/**
 * The category of a resolver error code: {@link RESOLVER_ERROR_CATEGORIES}, `internal` for a code not listed (a
 * newer resolver's).
 */
export function resolverErrorCategory(code: string): ErrorCategory {
  return Object.hasOwn(RESOLVER_ERROR_CATEGORIES, code) ? RESOLVER_ERROR_CATEGORIES[code as ResolverErrorCode] : "internal";
}

/** The body of every error response. */
export interface ErrorBody {
  error: {
    code: string;
    /** The code's category ({@link RESOLVER_ERRORS}). */
    category: ErrorCategory;
    /** What was wrong; never key material or health data. */
    message: string;
  };
}

/**
 * The error body of a refusal.
 * @param code Stable code.
 * @param message What was wrong; no secrets.
 */
export function errorBody(code: ResolverErrorCode, message: string): ErrorBody {
  return { error: { code, category: RESOLVER_ERRORS[code].category, message } };
}
