/**
 * Typed errors of the medrec SDK.
 *
 * Every error the SDK throws on purpose is a {@link MedrecError} with a stable, machine-readable
 * `code` and a {@link ErrorCategory}; callers branch on `instanceof`, `code` or `category`, never on the message. Messages describe what
 * was wrong (a length, a format version, which check failed) and never carry key material,
 * plaintext or ciphertext.
 *
 * @module
 */

/**
 * What kind of failure a {@link MedrecError} is, for callers that react to kinds rather than to codes (the CLI's
 * exit codes, retries):
 * - `invalid-input`: the caller's input or configuration is wrong (invalid FHIR, a malformed key or argument);
 *   retrying the same call fails the same way.
 * - `not-found`: something asked for does not exist (a record token, a wrapped key, stored content).
 * - `refused`: the chain or a policy refused: a revert, a rejected transaction, a consent or resolver refusal,
 *   too few break-glass approvals.
 * - `unavailable`: a node, a store or a service did not answer or failed on its side; retrying may succeed.
 * - `integrity`: data does not check out: tampered or wrong ciphertext, a failed decryption, a hash mismatch.
 * - `internal`: anything else: a bug, a crashed worker, a service answering in a way the SDK does not expect.
 */
export type ErrorCategory = "invalid-input" | "not-found" | "refused" | "unavailable" | "integrity" | "internal";

/** Every {@link ErrorCategory}, in a fixed order. */
export const ERROR_CATEGORIES: readonly ErrorCategory[] = Object.freeze([
  "invalid-input",
  "not-found",
  "refused",
  "unavailable",
  "integrity",
  "internal",
] as const);

/** Base class of every error the SDK throws on purpose. */
export class MedrecError extends Error {
  /** Stable machine-readable code, e.g. `"DECRYPTION_FAILED"`. */
  readonly code: string;
  /** What kind of failure this is; see {@link ErrorCategory}. */
  readonly category: ErrorCategory;

  /**
   * @param code Stable machine-readable code.
   * @param category What kind of failure it is (required: no error goes without one).
   * @param message Human-readable description; must not contain secrets.
   * @param options Standard `ErrorOptions` (`cause`).
   */
  constructor(code: string, category: ErrorCategory, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.category = category;
    this.name = new.target.name;
  }
}

/** AES-256-GCM authentication of a sealed record failed: wrong key, wrong AAD, or tampered bytes. */
export class DecryptionError extends MedrecError {
  declare readonly code: "DECRYPTION_FAILED";
  /** @param message What failed; must not contain secrets. */
  constructor(message = "record decryption failed", options?: ErrorOptions) {
    super("DECRYPTION_FAILED", "integrity", message, options);
  }
}

/** A wrapped data key could not be unwrapped: wrapped for another key, or tampered bytes. */
export class KeyUnwrapError extends MedrecError {
  declare readonly code: "KEY_UNWRAP_FAILED";
  /** @param message What failed; must not contain secrets. */
  constructor(message = "key unwrap failed", options?: ErrorOptions) {
    super("KEY_UNWRAP_FAILED", "integrity", message, options);
  }
}

/** A key has the wrong type or length, or is not a usable X25519 public key. */
export class InvalidKeyError extends MedrecError {
  declare readonly code: "INVALID_KEY";
  /** @param message What is wrong with the key (never the key itself). */
  constructor(message = "invalid key", options?: ErrorOptions) {
    super("INVALID_KEY", "invalid-input", message, options);
  }
}

/** A sealed record or wrapped key is not in a known serialised format (empty, truncated, unknown version). */
export class InvalidEnvelopeError extends MedrecError {
  declare readonly code: "INVALID_ENVELOPE";
  /** @param message What is wrong with the format. */
  constructor(message = "invalid envelope", options?: ErrorOptions) {
    super("INVALID_ENVELOPE", "integrity", message, options);
  }
}

/** The SHA-256 of fetched ciphertext differs from the hash recorded on-chain. */
export class ContentHashMismatchError extends MedrecError {
  declare readonly code: "CONTENT_HASH_MISMATCH";
  /** @param message What failed; the hashes are public and may be included. */
  constructor(message = "content hash mismatch", options?: ErrorOptions) {
    super("CONTENT_HASH_MISMATCH", "integrity", message, options);
  }
}

/** An argument other than a key or an envelope is malformed (e.g. an out-of-range AAD field). */
export class InvalidArgumentError extends MedrecError {
  declare readonly code: "INVALID_ARGUMENT";
  /** @param message Which argument is wrong and why; must not contain secrets. */
  constructor(message = "invalid argument", options?: ErrorOptions) {
    super("INVALID_ARGUMENT", "invalid-input", message, options);
  }
}
