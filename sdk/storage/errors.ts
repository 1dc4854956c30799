/**
 * Errors of the content-addressed storage of the SDK (`sdk/storage`).
 *
 * All are {@link MedrecError}s with a stable `code`. Messages name CIDs, piece CIDs, sizes and which check
 * failed; never payload bytes (the payload is ciphertext of health data and messages end up in logs).
 * A whole-object hash mismatch is the shared {@link ContentHashMismatchError} of `sdk/errors`; a malformed
 * argument (e.g. a string that is not a CID) is the shared {@link InvalidArgumentError}.
 *
 * @module
 */
import { MedrecError } from "../errors";

export { ContentHashMismatchError, InvalidArgumentError } from "../errors";

/** The store holds no object under this CID (never stored, or removed). */
export class ContentNotFoundError extends MedrecError {
  declare readonly code: "CONTENT_NOT_FOUND";
  /**
   * @param cid The CID that was asked for (base32 CIDv1 string).
   * @param message What was missing; defaults to a sentence naming the CID.
   */
  constructor(
    readonly cid: string,
    message = `no content stored under ${cid}`,
    options?: ErrorOptions,
  ) {
    super("CONTENT_NOT_FOUND", "not-found", message, options);
  }
}

/**
 * Stored or retrieved bytes do not match their content address: a block whose SHA-256 differs from the digest in
 * its CID, a DAG with a missing inner block or a malformed node, a CAR whose root is not the requested CID, or
 * (Filecoin) a piece whose bytes do not hash to its piece CID.
 */
export class ContentIntegrityError extends MedrecError {
  declare readonly code: "CONTENT_INTEGRITY_FAILED";
  /**
   * @param cid The CID (block, root or piece CID) whose check failed.
   * @param reason Which check failed; must not contain payload bytes.
   */
  constructor(
    readonly cid: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super("CONTENT_INTEGRITY_FAILED", "integrity", `integrity check failed for ${cid}: ${reason}`, options);
  }
}

/**
 * A well-formed CID that this store does not serve: not CIDv1, not SHA-256, or a codec other than `raw` and
 * `dag-pb` (UnixFS).
 */
export class UnsupportedCidError extends MedrecError {
  declare readonly code: "UNSUPPORTED_CID";
  /**
   * @param cid The CID as a string.
   * @param reason What is unsupported about it.
   */
  constructor(
    readonly cid: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super("UNSUPPORTED_CID", "invalid-input", `unsupported CID ${cid}: ${reason}`, options);
  }
}

/** The store was used after {@link ContentStore.close}. */
export class StoreClosedError extends MedrecError {
  declare readonly code: "STORE_CLOSED";
  /** @param store Which store (its class name). */
  constructor(store: string, options?: ErrorOptions) {
    super("STORE_CLOSED", "internal", `${store} is closed`, options);
  }
}

/** A store's configuration is missing or malformed (e.g. no `FILECOIN_PIN_PRIVATE_KEY`). */
export class StorageConfigError extends MedrecError {
  declare readonly code: "STORAGE_CONFIG_INVALID";
  /** @param message What is missing or wrong; never the value of a secret. */
  constructor(message: string, options?: ErrorOptions) {
    super("STORAGE_CONFIG_INVALID", "invalid-input", message, options);
  }
}

/** Filecoin Onchain Cloud refused or failed an upload (wallet not ready, provider error, piece not added). */
export class FilecoinUploadError extends MedrecError {
  declare readonly code: "FILECOIN_UPLOAD_FAILED";
  /**
   * @param message What failed, with the library's reason (balances, allowances, provider answer).
   * @param suggestions What would make the upload possible, as `filecoin-pin` words it (may be empty).
   */
  constructor(
    message: string,
    readonly suggestions: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super("FILECOIN_UPLOAD_FAILED", "unavailable", message, options);
  }
}

/** A piece could not be retrieved from, or removed at, the storage provider for a reason other than integrity. */
export class FilecoinRetrievalError extends MedrecError {
  declare readonly code: "FILECOIN_RETRIEVAL_FAILED";
  /**
   * @param pieceCid The piece CID.
   * @param reason The library's reason.
   */
  constructor(
    readonly pieceCid: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super("FILECOIN_RETRIEVAL_FAILED", "unavailable", `piece ${pieceCid}: ${reason}`, options);
  }
}
