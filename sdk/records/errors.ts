import { MedrecError } from "../errors";

/** No wrapped key for this record version is in the key store (or none for the reader's key). */
export class RecordKeyNotFoundError extends MedrecError {
  declare readonly code: "RECORD_KEY_NOT_FOUND";
  /** @param message Which record and version; never key material. */
  constructor(message: string) {
    super("RECORD_KEY_NOT_FOUND", "not-found", message);
  }
}

/** The record token does not exist (never minted, or burned). */
export class RecordNotFoundError extends MedrecError {
  declare readonly code: "RECORD_NOT_FOUND";
  /** @param tokenId The token asked for. */
  constructor(readonly tokenId: bigint) {
    super("RECORD_NOT_FOUND", "not-found", `record token #${tokenId} does not exist`);
  }
}

/** The chain refused or reverted a record write. */
export class RecordWriteError extends MedrecError {
  declare readonly code: "RECORD_WRITE_FAILED";
  /** @param message What failed (decoded revert reason), never record content. */
  constructor(message: string, options?: ErrorOptions) {
    super("RECORD_WRITE_FAILED", "refused", message, options);
  }
}

/** The record was updated while its key was being released: the key opens another version. Ask again. */
export class RecordVersionChangedError extends MedrecError {
  declare readonly code: "RECORD_VERSION_CHANGED";
  /** @param tokenId The record read. */
  constructor(readonly tokenId: bigint) {
    super("RECORD_VERSION_CHANGED", "unavailable", `record #${tokenId} changed while its key was released; ask again`);
  }
}

/**
 * The acting account may not write or erase this record: `NOT_A_PATIENT` (the patient is not registered),
 * `NOT_AUTHORISED` (a writer without the patient's APPEND consent over all records, or an account other than the
 * record's patient asking to forget it). Checked before anything is stored or sent.
 */
export class RecordPermissionError extends MedrecError {
  declare readonly code: "NOT_A_PATIENT" | "NOT_AUTHORISED";
  /**
   * @param code Which refusal.
   * @param message Who may not do what (addresses and token ids only).
   */
  constructor(code: "NOT_A_PATIENT" | "NOT_AUTHORISED", message: string) {
    super(code, "refused", message);
  }
}
