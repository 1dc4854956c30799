/**
 * Record encryption: AES-256-GCM of the record plaintext under its data key (DEK), bound to the
 * record's on-chain coordinates by the AAD, serialised as one "sealed record" byte string.
 *
 * @module
 */

import { DecryptionError, InvalidArgumentError, InvalidEnvelopeError } from "../errors";
import { recordAad, type RecordAadFields } from "./aad";
import { concatBytes, copyKey, randomBytes, wipe, type BytesLike } from "./bytes";
import { DATA_KEY_LENGTH } from "./keys";
import { aesGcmDecrypt, aesGcmEncrypt } from "./webcrypto";

/** Format version byte of a sealed record (the first byte). */
export const SEALED_RECORD_VERSION = 0x01;
/** AES-GCM nonce length in bytes (96 bits). */
export const GCM_NONCE_LENGTH = 12;
/** AES-GCM authentication tag length in bytes (128 bits). */
export const GCM_TAG_LENGTH = 16;
/** Length of a sealed record carrying an empty plaintext: version ‖ nonce ‖ tag. */
export const SEALED_RECORD_OVERHEAD = 1 + GCM_NONCE_LENGTH + GCM_TAG_LENGTH;

/** The parts of a sealed record. */
export interface SealedRecordParts {
  /** Format version; only {@link SEALED_RECORD_VERSION} exists. */
  version: number;
  /** The 12-byte AES-GCM nonce. */
  nonce: Uint8Array;
  /** AES-256-GCM ciphertext followed by the 16-byte tag. */
  ciphertext: Uint8Array;
}

/**
 * Serialises sealed-record parts: `version (1) ‖ nonce (12) ‖ ciphertext ‖ tag (16)`.
 * @param parts Version, nonce and ciphertext-with-tag.
 * @returns A new byte string.
 * @throws {InvalidEnvelopeError} On an unknown version, a nonce that is not 12 bytes or a ciphertext
 *   shorter than the tag.
 */
export function encodeSealedRecord(parts: SealedRecordParts): Uint8Array {
  if (parts.version !== SEALED_RECORD_VERSION) throw new InvalidEnvelopeError("unknown sealed record version");
  if (!(parts.nonce instanceof Uint8Array) || parts.nonce.length !== GCM_NONCE_LENGTH) {
    throw new InvalidEnvelopeError(`sealed record nonce must be ${GCM_NONCE_LENGTH} bytes`);
  }
  if (!(parts.ciphertext instanceof Uint8Array) || parts.ciphertext.length < GCM_TAG_LENGTH) {
    throw new InvalidEnvelopeError(`sealed record ciphertext must include the ${GCM_TAG_LENGTH}-byte tag`);
  }
  return concatBytes(Uint8Array.of(parts.version), parts.nonce, parts.ciphertext);
}

/**
 * The format checks of {@link decodeSealedRecord}, without copying anything. @internal
 * @throws {InvalidEnvelopeError} As {@link decodeSealedRecord}.
 */
export function assertSealedRecord(sealed: Uint8Array): void {
  if (!(sealed instanceof Uint8Array)) throw new InvalidEnvelopeError("sealed record must be a Uint8Array");
  if (sealed.length < SEALED_RECORD_OVERHEAD) {
    throw new InvalidEnvelopeError(
      `sealed record is ${sealed.length} bytes, shorter than the minimum ${SEALED_RECORD_OVERHEAD}`,
    );
  }
  if (sealed[0] !== SEALED_RECORD_VERSION) {
    throw new InvalidEnvelopeError(`unknown sealed record version ${sealed[0]}`);
  }
}

/**
 * Parses a sealed record into its parts (format checks only; nothing is authenticated here).
 * @param sealed The sealed record bytes.
 * @returns The parts, as copies.
 * @throws {InvalidEnvelopeError} If `sealed` is not a `Uint8Array`, is shorter than
 *   {@link SEALED_RECORD_OVERHEAD} bytes, or has an unknown version byte.
 */
export function decodeSealedRecord(sealed: Uint8Array): SealedRecordParts {
  assertSealedRecord(sealed);
  return {
    version: sealed[0],
    nonce: sealed.slice(1, 1 + GCM_NONCE_LENGTH),
    ciphertext: sealed.slice(1 + GCM_NONCE_LENGTH),
  };
}

/**
 * Encrypts a record's plaintext under its data key.
 *
 * AES-256-GCM with key = `dek`, a fresh random 96-bit nonce, AAD = {@link recordAad}(`aadFields`)
 * and a 128-bit tag. Output: the sealed record
 * `0x01 ‖ nonce (12 bytes) ‖ ciphertext (len(plaintext) bytes) ‖ tag (16 bytes)`.
 * The content hash stored on-chain is the SHA-256 of these bytes (see `contentHash`).
 *
 * @param plaintext Record bytes (canonical FHIR JSON), any length including 0.
 * @param dek The 32-byte data key (bytes or `0x` hex); not modified.
 * @param aadFields The record's on-chain coordinates.
 * @returns The sealed record (a Promise: AES-GCM runs in WebCrypto).
 * @throws {InvalidKeyError} If `dek` is not 32 bytes.
 * @throws {InvalidArgumentError} If `plaintext` is not a `Uint8Array` or an AAD field is invalid.
 */
export async function encryptRecord(plaintext: Uint8Array, dek: BytesLike, aadFields: RecordAadFields): Promise<Uint8Array> {
  if (!(plaintext instanceof Uint8Array)) throw new InvalidArgumentError("plaintext must be a Uint8Array");
  const key = copyKey(dek, DATA_KEY_LENGTH, "data key");
  try {
    const aad = recordAad(aadFields);
    const nonce = randomBytes(GCM_NONCE_LENGTH);
    const ciphertext = await aesGcmEncrypt(key, nonce, aad, plaintext);
    return encodeSealedRecord({ version: SEALED_RECORD_VERSION, nonce, ciphertext });
  } finally {
    wipe(key);
  }
}

/**
 * Decrypts and authenticates a sealed record.
 * @param sealed A sealed record from {@link encryptRecord}.
 * @param dek The 32-byte data key (bytes or `0x` hex); not modified.
 * @param aadFields The coordinates the record was sealed for; any difference fails.
 * @returns The plaintext (a Promise: AES-GCM runs in WebCrypto; a WebCrypto `OperationError` becomes
 *   `DecryptionError`).
 * @throws {InvalidKeyError} If `dek` is not 32 bytes.
 * @throws {InvalidArgumentError} If an AAD field is invalid.
 * @throws {InvalidEnvelopeError} If `sealed` is not a well-formed sealed record.
 * @throws {DecryptionError} If authentication fails (wrong key, wrong AAD, tampered bytes).
 */
export async function decryptRecord(sealed: Uint8Array, dek: BytesLike, aadFields: RecordAadFields): Promise<Uint8Array> {
  const key = copyKey(dek, DATA_KEY_LENGTH, "data key");
  try {
    const aad = recordAad(aadFields);
    assertSealedRecord(sealed); // the parts are then read in place, without copying the ciphertext
    const nonce = sealed.subarray(1, 1 + GCM_NONCE_LENGTH);
    const ciphertext = sealed.subarray(1 + GCM_NONCE_LENGTH);
    try {
      return await aesGcmDecrypt(key, nonce, aad, ciphertext);
    } catch {
      // The cause is deliberately dropped: library messages are not part of the SDK's contract.
      throw new DecryptionError("record decryption failed: authentication tag mismatch (wrong key, AAD or data)");
    }
  } finally {
    wipe(key);
  }
}
