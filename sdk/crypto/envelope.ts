/**
 * The record envelope as the architecture describes it: one sealed record per record version, its
 * SHA-256 content hash (stored on-chain by RecordToken), and one wrapped data key per recipient.
 *
 * @module
 */

import { sha256 } from "@noble/hashes/sha2";
import { ContentHashMismatchError, InvalidArgumentError, InvalidEnvelopeError } from "../errors";
import type { RecordAadFields } from "./aad";
import { bytesToHex, copyKey, decodeHexDigits, equalBytes, wipe, type BytesLike } from "./bytes";
import { generateDataKey, X25519_KEY_LENGTH } from "./keys";
import { decodeSealedRecord, decryptRecord, encryptRecord } from "./record";
import { unwrapKey, wrapKey } from "./wrap";

/** One recipient's wrapped copy of a record's data key. */
export interface RecipientWrap {
  /** The recipient's 32-byte X25519 public key (a copy of the input). */
  recipient: Uint8Array;
  /** The data key wrapped to `recipient` (see `wrapKey`), 93 bytes. */
  wrappedKey: Uint8Array;
}

/** The output of {@link sealRecord}. */
export interface SealedEnvelope {
  /** The sealed record (`0x01 ‖ nonce ‖ ciphertext ‖ tag`): the object stored by CID. */
  sealed: Uint8Array;
  /** SHA-256 of `sealed`, `0x` + 64 lowercase hex digits: RecordToken's `contentHash`. */
  contentHash: `0x${string}`;
  /** One wrap per recipient, in the order given. */
  wraps: RecipientWrap[];
}

/**
 * The content hash of a sealed record: SHA-256 over the sealed bytes, as the bytes32 stored in
 * RecordToken.
 * @param sealed The sealed record bytes.
 * @returns `0x` + 64 lowercase hex digits.
 * @throws {InvalidEnvelopeError} If `sealed` is not a `Uint8Array`.
 */
export function contentHash(sealed: Uint8Array): `0x${string}` {
  if (!(sealed instanceof Uint8Array)) throw new InvalidEnvelopeError("sealed record must be a Uint8Array");
  return bytesToHex(sha256(sealed));
}

/**
 * Seals a record for a set of recipients: generates a fresh DEK, encrypts the plaintext
 * ({@link encryptRecord}), hashes the sealed bytes, and wraps the DEK to each recipient
 * ({@link wrapKey}), each wrap bound to the same record version. The DEK is zeroised before returning; only the
 * wraps can recover it.
 *
 * @param plaintext Record bytes (canonical FHIR JSON).
 * @param aadFields The record's on-chain coordinates (chain id, RecordToken, token id, version).
 * @param recipients At least one X25519 public key (bytes or `0x` hex): typically the patient's and the
 *   resolver's key-release key.
 * @returns `{sealed, contentHash, wraps}`.
 * @throws {InvalidArgumentError} If `recipients` is empty, `plaintext` is not a `Uint8Array` or an AAD
 *   field is invalid.
 * @throws {InvalidKeyError} If a recipient key is not a usable X25519 public key.
 */
export function sealRecord(plaintext: Uint8Array, aadFields: RecordAadFields, recipients: BytesLike[]): SealedEnvelope {
  if (!Array.isArray(recipients) || recipients.length === 0) {
    throw new InvalidArgumentError("sealRecord needs at least one recipient public key");
  }
  // Validate every recipient key shape before any encryption happens.
  const recipientKeys = recipients.map((r) => copyKey(r, X25519_KEY_LENGTH, "public key"));
  const dek = generateDataKey();
  try {
    const sealed = encryptRecord(plaintext, dek, aadFields);
    const wraps = recipientKeys.map((recipient) => ({ recipient, wrappedKey: wrapKey(dek, recipient, aadFields) }));
    return { sealed, contentHash: contentHash(sealed), wraps };
  } finally {
    wipe(dek);
  }
}

function expectedHashBytes(expected: BytesLike): Uint8Array {
  if (typeof expected === "string") {
    if (!/^0x[0-9a-fA-F]{64}$/.test(expected)) {
      throw new InvalidArgumentError("expectedContentHash must be 0x followed by 64 hex digits");
    }
    return decodeHexDigits(expected);
  }
  if (expected instanceof Uint8Array && expected.length === 32) return expected;
  throw new InvalidArgumentError("expectedContentHash must be 32 bytes or 0x + 64 hex digits");
}

/**
 * Opens a sealed record as one recipient: verifies the content hash (when given) **before** anything
 * else touches the ciphertext, unwraps the DEK with the recipient's private key, decrypts, and
 * zeroises the DEK.
 *
 * @param sealed The sealed record as fetched from storage.
 * @param wrappedKey The recipient's wrapped key (bytes or `0x` hex).
 * @param privateKey The recipient's 32-byte X25519 private key (bytes or `0x` hex); not modified.
 * @param aadFields The record's on-chain coordinates.
 * @param expectedContentHash The on-chain `contentHash` (32 bytes or `0x` hex); strongly recommended.
 * @returns The plaintext.
 * @throws {InvalidArgumentError} If `expectedContentHash` is malformed or an AAD field is invalid.
 * @throws {ContentHashMismatchError} If SHA-256(`sealed`) differs from `expectedContentHash`.
 * @throws {InvalidKeyError} If the private key is not 32 bytes.
 * @throws {InvalidEnvelopeError} If `sealed` or `wrappedKey` is malformed.
 * @throws {KeyUnwrapError} If the wrapped key does not open with `privateKey`.
 * @throws {DecryptionError} If the record does not authenticate under the DEK and AAD.
 */
export function openRecord(
  sealed: Uint8Array,
  wrappedKey: BytesLike,
  privateKey: BytesLike,
  aadFields: RecordAadFields,
  expectedContentHash?: BytesLike,
): Uint8Array {
  if (expectedContentHash !== undefined) {
    const expected = expectedHashBytes(expectedContentHash);
    if (!(sealed instanceof Uint8Array)) throw new InvalidEnvelopeError("sealed record must be a Uint8Array");
    const actual = sha256(sealed);
    if (!equalBytes(actual, expected)) {
      throw new ContentHashMismatchError(
        `content hash mismatch: expected ${bytesToHex(expected)}, got ${bytesToHex(actual)}`,
      );
    }
  }
  decodeSealedRecord(sealed); // format check before the private key is used
  const dek = unwrapKey(wrappedKey, privateKey, aadFields);
  try {
    return decryptRecord(sealed, dek, aadFields);
  } finally {
    wipe(dek);
  }
}
