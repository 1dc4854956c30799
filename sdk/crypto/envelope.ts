/**
 * The record envelope as the architecture describes it: one sealed record per record version, its
 * SHA-256 content hash (stored on-chain by RecordToken), and one wrapped data key per recipient.
 *
 * @module
 */

import { ContentHashMismatchError, InvalidArgumentError, InvalidEnvelopeError } from "../errors";
import type { RecordAadFields } from "./aad";
import { bytesToHex, copyKey, decodeHexDigits, equalBytes, wipe, type BytesLike } from "./bytes";
import { generateDataKey, X25519_KEY_LENGTH } from "./keys";
import { assertSealedRecord, decryptRecord, encryptRecord } from "./record";
import { sha256 } from "./webcrypto";
import { unwrapKey, wrapKey } from "./wrap";

/** One recipient's wrapped copy of a record's data key. */
export interface RecipientWrap {
  /** The recipient's 32-byte X25519 public key (a copy of the input). */
  recipient: Uint8Array;
  /** The data key wrapped to `recipient` (see `wrapKey`), 93 bytes. */
  wrappedKey: Uint8Array;
}

/** The output of {@link sealRecordUnhashed}: a sealed record and its wraps, without its content hash. */
export interface UnhashedEnvelope {
  /** The sealed record (`0x01 ‖ nonce ‖ ciphertext ‖ tag`): the object stored by CID. */
  sealed: Uint8Array;
  /** One wrap per recipient, in the order given. */
  wraps: RecipientWrap[];
}

/** The output of {@link sealRecord}. */
export interface SealedEnvelope extends UnhashedEnvelope {
  /** SHA-256 of `sealed`, `0x` + 64 lowercase hex digits: RecordToken's `contentHash`. */
  contentHash: `0x${string}`;
}

/**
 * The content hash of a sealed record: SHA-256 over the sealed bytes, as the bytes32 stored in
 * RecordToken.
 * @param sealed The sealed record bytes.
 * @returns `0x` + 64 lowercase hex digits (a Promise: SHA-256 runs in WebCrypto).
 * @throws {InvalidEnvelopeError} If `sealed` is not a `Uint8Array`.
 */
export async function contentHash(sealed: Uint8Array): Promise<`0x${string}`> {
  if (!(sealed instanceof Uint8Array)) throw new InvalidEnvelopeError("sealed record must be a Uint8Array");
  return bytesToHex(await sha256(sealed));
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
 * @returns `{sealed, contentHash, wraps}` (a Promise).
 * @throws {InvalidArgumentError} If `recipients` is empty, `plaintext` is not a `Uint8Array` or an AAD
 *   field is invalid.
 * @throws {InvalidKeyError} If a recipient key is not a usable X25519 public key.
 */
export async function sealRecord(
  plaintext: Uint8Array,
  aadFields: RecordAadFields,
  recipients: BytesLike[],
): Promise<SealedEnvelope> {
  return (await seal(plaintext, aadFields, recipients, "sealRecord", true)) as SealedEnvelope;
}

/**
 * {@link sealRecord} without the content hash, for a sealed record that goes straight into a `ContentStore`: its
 * `put` hashes the bytes it stores and returns that SHA-256 as `contentHash`, the value to record on-chain, so
 * hashing them here too would read a large record twice for one hash. Everything else is as {@link sealRecord}.
 *
 * @param plaintext Record bytes (canonical FHIR JSON).
 * @param aadFields The record's on-chain coordinates (chain id, RecordToken, token id, version).
 * @param recipients At least one X25519 public key (bytes or `0x` hex).
 * @returns `{sealed, wraps}` (a Promise).
 * @throws {InvalidArgumentError} As {@link sealRecord}.
 * @throws {InvalidKeyError} As {@link sealRecord}.
 */
export async function sealRecordUnhashed(
  plaintext: Uint8Array,
  aadFields: RecordAadFields,
  recipients: BytesLike[],
): Promise<UnhashedEnvelope> {
  return seal(plaintext, aadFields, recipients, "sealRecordUnhashed", false);
}

/** Both seals: with `hashed`, the SHA-256 of the sealed bytes runs alongside the wraps. */
async function seal(
  plaintext: Uint8Array,
  aadFields: RecordAadFields,
  recipients: BytesLike[],
  caller: string,
  hashed: boolean,
): Promise<UnhashedEnvelope | SealedEnvelope> {
  if (!Array.isArray(recipients) || recipients.length === 0) {
    throw new InvalidArgumentError(`${caller} needs at least one recipient public key`);
  }
  // Validate every recipient key shape before any encryption happens.
  const recipientKeys = recipients.map((r) => copyKey(r, X25519_KEY_LENGTH, "public key"));
  const dek = generateDataKey();
  try {
    const sealed = await encryptRecord(plaintext, dek, aadFields);
    const [hash, wraps] = await Promise.all([
      hashed ? contentHash(sealed) : undefined,
      Promise.all(recipientKeys.map(async (recipient) => ({ recipient, wrappedKey: await wrapKey(dek, recipient, aadFields) }))),
    ]);
    return hash === undefined ? { sealed, wraps } : { sealed, contentHash: hash, wraps };
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
 * @returns The plaintext (a Promise).
 * @throws {InvalidArgumentError} If `expectedContentHash` is malformed or an AAD field is invalid.
 * @throws {ContentHashMismatchError} If SHA-256(`sealed`) differs from `expectedContentHash`.
 * @throws {InvalidKeyError} If the private key is not 32 bytes.
 * @throws {InvalidEnvelopeError} If `sealed` or `wrappedKey` is malformed.
 * @throws {KeyUnwrapError} If the wrapped key does not open with `privateKey`.
 * @throws {DecryptionError} If the record does not authenticate under the DEK and AAD.
 */
export async function openRecord(
  sealed: Uint8Array,
  wrappedKey: BytesLike,
  privateKey: BytesLike,
  aadFields: RecordAadFields,
  expectedContentHash?: BytesLike,
): Promise<Uint8Array> {
  if (expectedContentHash !== undefined) {
    const expected = expectedHashBytes(expectedContentHash);
    if (!(sealed instanceof Uint8Array)) throw new InvalidEnvelopeError("sealed record must be a Uint8Array");
    const actual = await sha256(sealed);
    if (!equalBytes(actual, expected)) {
      throw new ContentHashMismatchError(
        `content hash mismatch: expected ${bytesToHex(expected)}, got ${bytesToHex(actual)}`,
      );
    }
  }
  assertSealedRecord(sealed); // format check before the private key is used
  const dek = await unwrapKey(wrappedKey, privateKey, aadFields);
  try {
    return await decryptRecord(sealed, dek, aadFields);
  } finally {
    wipe(dek);
  }
}
