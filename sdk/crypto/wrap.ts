/**
 * Key wrapping: a record's data key (DEK) encrypted to an X25519 public key (ECIES-style:
 * ephemeral X25519 + HKDF-SHA256 + AES-256-GCM), serialised as one "wrapped key" byte string.
 *
 * Every wrap is bound to one record version (chain id, RecordToken, token id, version): the binding is in the
 * HKDF `info` and in the AES-GCM associated data, so a wrap opens only when it is presented for the record version
 * it was made for. Wraps travel and are stored (deposit bodies, the resolver's database, writers' key stores), so
 * they are treated as non-secret: without the binding, whoever holds the recipient's key would open a wrap of
 * record A when it is presented as the key of record B.
 *
 * @module
 */

import { InvalidEnvelopeError, InvalidKeyError, KeyUnwrapError } from "../errors";
import { recordAad, type RecordAadFields } from "./aad";
import { concatBytes, copyKey, decodeHexDigits, randomBytes, wipe, type BytesLike } from "./bytes";
import { DATA_KEY_LENGTH, X25519_KEY_LENGTH } from "./keys";
import { GCM_NONCE_LENGTH, GCM_TAG_LENGTH } from "./record";
import { aesGcmDecrypt, aesGcmEncrypt, hkdfAesKey, type WebCryptoKey } from "./webcrypto";
import { x25519Backend, type X25519PrivateKey } from "./x25519";

/**
 * Format version byte of a wrapped key (the first byte). Version 2 binds the wrap to its record version; version 1
 * (unbound) is no longer accepted.
 */
export const WRAPPED_KEY_VERSION = 0x02;
/** HKDF `info` of the key-encryption key starts with the ASCII bytes of this label, followed by the binding. */
export const DEK_WRAP_LABEL = "medrec/dek-wrap/v2";
/** Length in bytes of a wrapped key: 1 + 32 + 12 + 32 + 16 = 93. */
export const WRAPPED_KEY_LENGTH = 1 + X25519_KEY_LENGTH + GCM_NONCE_LENGTH + DATA_KEY_LENGTH + GCM_TAG_LENGTH;

const LABEL_BYTES = new TextEncoder().encode(DEK_WRAP_LABEL);
const P25519 = (1n << 255n) - 19n;

/** The parts of a wrapped key. */
export interface WrappedKeyParts {
  /** Format version; only {@link WRAPPED_KEY_VERSION} exists. */
  version: number;
  /** The sender's one-time X25519 public key (32 bytes). */
  ephemeralPublicKey: Uint8Array;
  /** The 12-byte AES-GCM nonce. */
  nonce: Uint8Array;
  /** The encrypted 32-byte DEK followed by the 16-byte tag (48 bytes). */
  ciphertext: Uint8Array;
}

/**
 * Serialises wrapped-key parts: `version (1) ‖ ephemeral public key (32) ‖ nonce (12) ‖ encrypted DEK (32) ‖ tag (16)`.
 * @param parts The parts.
 * @returns 93 new bytes.
 * @throws {InvalidEnvelopeError} On an unknown version or a part of the wrong length.
 */
export function encodeWrappedKey(parts: WrappedKeyParts): Uint8Array {
  if (parts.version !== WRAPPED_KEY_VERSION) throw new InvalidEnvelopeError("unknown wrapped key version");
  const lengthOk = (a: unknown, n: number) => a instanceof Uint8Array && a.length === n;
  if (
    !lengthOk(parts.ephemeralPublicKey, X25519_KEY_LENGTH) ||
    !lengthOk(parts.nonce, GCM_NONCE_LENGTH) ||
    !lengthOk(parts.ciphertext, DATA_KEY_LENGTH + GCM_TAG_LENGTH)
  ) {
    throw new InvalidEnvelopeError("wrapped key part has the wrong length");
  }
  return concatBytes(Uint8Array.of(parts.version), parts.ephemeralPublicKey, parts.nonce, parts.ciphertext);
}

/**
 * Parses a wrapped key into its parts (format checks only; nothing is authenticated here).
 * @param wrapped The wrapped key, bytes or `0x` hex.
 * @returns The parts, as copies.
 * @throws {InvalidEnvelopeError} If `wrapped` is not exactly {@link WRAPPED_KEY_LENGTH} bytes of valid
 *   input or has an unknown version byte.
 */
export function decodeWrappedKey(wrapped: BytesLike): WrappedKeyParts {
  let bytes: Uint8Array;
  if (wrapped instanceof Uint8Array) {
    bytes = wrapped;
  } else if (typeof wrapped === "string" && /^0x(?:[0-9a-fA-F]{2})*$/.test(wrapped)) {
    bytes = decodeHexDigits(wrapped);
  } else {
    throw new InvalidEnvelopeError("wrapped key must be a Uint8Array or a 0x-prefixed hex string");
  }
  if (bytes.length !== WRAPPED_KEY_LENGTH) {
    throw new InvalidEnvelopeError(`wrapped key is ${bytes.length} bytes, expected ${WRAPPED_KEY_LENGTH}`);
  }
  if (bytes[0] !== WRAPPED_KEY_VERSION) throw new InvalidEnvelopeError(`unknown wrapped key version ${bytes[0]}`);
  const eEnd = 1 + X25519_KEY_LENGTH;
  const nEnd = eEnd + GCM_NONCE_LENGTH;
  return {
    version: bytes[0],
    ephemeralPublicKey: bytes.slice(1, eEnd),
    nonce: bytes.slice(eEnd, nEnd),
    ciphertext: bytes.slice(nEnd),
  };
}

/** Copies and validates a recipient public key: 32 bytes, canonical u-coordinate (< 2^255 − 19). */
function copyPublicKey(publicKey: BytesLike): Uint8Array {
  const pk = copyKey(publicKey, X25519_KEY_LENGTH, "public key");
  let u = 0n;
  for (let i = X25519_KEY_LENGTH - 1; i >= 0; i--) u = (u << 8n) | BigInt(pk[i]);
  if (u >= P25519) throw new InvalidKeyError("public key is not a canonical X25519 u-coordinate");
  return pk;
}

/**
 * KEK = HKDF-SHA256(ikm = shared, salt = ephemeralPub ‖ recipientPub, info = label ‖ binding, L = 32), as a
 * non-extractable WebCrypto AES-256-GCM key (the KEK bytes never reach JavaScript memory).
 */
function deriveKek(
  shared: Uint8Array,
  ephemeralPublicKey: Uint8Array,
  recipientPublicKey: Uint8Array,
  binding: Uint8Array,
  usage: "encrypt" | "decrypt",
): Promise<WebCryptoKey> {
  return hkdfAesKey(shared, concatBytes(ephemeralPublicKey, recipientPublicKey), concatBytes(LABEL_BYTES, binding), usage);
}

/** The AES-GCM associated data of a wrap: the version byte ‖ the binding. */
function wrapAad(binding: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(WRAPPED_KEY_VERSION), binding);
}

/**
 * Wraps a data key to an X25519 public key, for one record version.
 *
 * 1. Fresh ephemeral X25519 key pair `(e, E)`; `shared = X25519(e, recipientPublicKey)` (an all-zero
 *    shared secret, i.e. a low-order public key, is rejected).
 * 2. `B = recordAad(binding)` = `abi.encode(uint256 chainId, address recordToken, uint256 tokenId, uint64 version)`.
 * 3. `KEK = HKDF-SHA256(ikm = shared, salt = E ‖ recipientPublicKey, info = "medrec/dek-wrap/v2" ‖ B, L = 32)`.
 * 4. `AES-256-GCM(KEK, random 12-byte nonce, AAD = 0x02 ‖ B).encrypt(dek)` → 32-byte ciphertext ‖ 16-byte tag.
 * 5. Output: `0x02 ‖ E (32) ‖ nonce (12) ‖ ciphertext (32) ‖ tag (16)`, 93 bytes.
 *
 * X25519 runs in WebCrypto where the runtime has it (else `@noble/curves`), HKDF and AES-GCM in WebCrypto. The
 * ephemeral private key and the KEK exist only as non-extractable WebCrypto keys (with the noble fallback the
 * ephemeral private key is zeroised); the shared secret is zeroised before returning.
 *
 * @param dek The 32-byte data key (bytes or `0x` hex); not modified.
 * @param recipientPublicKey The recipient's 32-byte X25519 public key (bytes or `0x` hex).
 * @param binding The record version the wrap is for; it opens for that version only.
 * @returns The wrapped key (a Promise).
 * @throws {InvalidKeyError} If `dek` is not 32 bytes, or the public key is not 32 bytes, not canonical,
 *   or of low order.
 * @throws {InvalidArgumentError} If a binding field is invalid.
 */
export async function wrapKey(dek: BytesLike, recipientPublicKey: BytesLike, binding: RecordAadFields): Promise<Uint8Array> {
  const bound = recordAad(binding);
  const key = copyKey(dek, DATA_KEY_LENGTH, "data key");
  const recipient = copyPublicKey(recipientPublicKey);
  const x25519 = await x25519Backend();
  const ephemeral = await x25519.ephemeral();
  let shared: Uint8Array | undefined;
  try {
    try {
      shared = await ephemeral.sharedSecret(recipient);
    } catch {
      throw new InvalidKeyError("public key is not a usable X25519 public key (low order)");
    }
    const kek = await deriveKek(shared, ephemeral.publicKey, recipient, bound, "encrypt");
    const nonce = randomBytes(GCM_NONCE_LENGTH);
    const ciphertext = await aesGcmEncrypt(kek, nonce, wrapAad(bound), key);
    return encodeWrappedKey({ version: WRAPPED_KEY_VERSION, ephemeralPublicKey: ephemeral.publicKey, nonce, ciphertext });
  } finally {
    ephemeral.dispose();
    wipe(key, recipient, shared);
  }
}

/**
 * Unwraps a data key with the recipient's X25519 private key, for the record version it is presented for.
 * @param wrapped A wrapped key from {@link wrapKey} (bytes or `0x` hex).
 * @param recipientPrivateKey The 32-byte X25519 private key it was wrapped to (bytes or `0x` hex); not modified.
 * @param binding The record version the wrap is presented for.
 * @returns The 32-byte DEK (a Promise). The caller owns it and should zeroise it (`fill(0)`) after use.
 * @throws {InvalidKeyError} If the private key is not 32 bytes.
 * @throws {InvalidArgumentError} If a binding field is invalid.
 * @throws {InvalidEnvelopeError} If `wrapped` is not a well-formed wrapped key.
 * @throws {KeyUnwrapError} If the key was wrapped to another key or for another record version (chain,
 *   RecordToken, token id or version), or the bytes were tampered with.
 */
export async function unwrapKey(wrapped: BytesLike, recipientPrivateKey: BytesLike, binding: RecordAadFields): Promise<Uint8Array> {
  recordAad(binding); // binding errors before the private key is touched
  const sk = copyKey(recipientPrivateKey, X25519_KEY_LENGTH, "private key");
  let own: X25519PrivateKey | undefined;
  try {
    decodeWrappedKey(wrapped); // format errors (InvalidEnvelopeError) before the private key is loaded
    try {
      own = await (await x25519Backend()).privateKey(sk);
    } catch {
      throw new KeyUnwrapError("key unwrap failed: not wrapped to this key for this record version, or tampered");
    }
    return await unwrapKeyWith(wrapped, own, binding);
  } finally {
    own?.dispose();
    wipe(sk);
  }
}

/**
 * {@link unwrapKey} with the recipient's private key loaded already ({@link loadEncryptionPrivateKey}): a reader
 * that loaded its key once to find its wrap (by the key's public key) opens the wrap with the same key, without a
 * second import. The key stays the caller's to dispose of.
 * @param wrapped A wrapped key from {@link wrapKey} (bytes or `0x` hex).
 * @param recipient The recipient's loaded X25519 private key.
 * @param binding The record version the wrap is presented for.
 * @returns The 32-byte DEK (a Promise); the caller zeroises it after use.
 * @throws {InvalidArgumentError} If a binding field is invalid.
 * @throws {InvalidEnvelopeError} If `wrapped` is not a well-formed wrapped key.
 * @throws {KeyUnwrapError} If the key was wrapped to another key or for another record version, or tampered.
 */
export async function unwrapKeyWith(wrapped: BytesLike, recipient: X25519PrivateKey, binding: RecordAadFields): Promise<Uint8Array> {
  const bound = recordAad(binding);
  const { ephemeralPublicKey, nonce, ciphertext } = decodeWrappedKey(wrapped);
  let shared: Uint8Array | undefined;
  try {
    shared = await recipient.sharedSecret(ephemeralPublicKey);
    const kek = await deriveKek(shared, ephemeralPublicKey, recipient.publicKey, bound, "decrypt");
    return await aesGcmDecrypt(kek, nonce, wrapAad(bound), ciphertext);
  } catch {
    // The cause is deliberately dropped: library messages are not part of the SDK's contract.
    throw new KeyUnwrapError("key unwrap failed: not wrapped to this key for this record version, or tampered");
  } finally {
    wipe(shared);
  }
}

/**
 * Loads an X25519 private key for {@link unwrapKeyWith} (WebCrypto: a non-extractable key, the PKCS#8 buffer
 * zeroised after the import; noble: a copy, zeroised by `dispose`). Its `publicKey` finds the reader's wrap.
 * Dispose of it when done; nothing of it is kept elsewhere.
 * @param privateKey The 32-byte X25519 private key (bytes or `0x` hex); not modified.
 * @throws {InvalidKeyError} If the private key is not 32 bytes.
 */
export async function loadEncryptionPrivateKey(privateKey: BytesLike): Promise<X25519PrivateKey> {
  const sk = copyKey(privateKey, X25519_KEY_LENGTH, "private key");
  try {
    return await (await x25519Backend()).privateKey(sk);
  } finally {
    wipe(sk);
  }
}

/**
 * Re-wraps a data key from its holder to a new recipient (what the resolver does on key release):
 * unwraps with the holder's private key for `binding` and wraps the same DEK to `newRecipientPublicKey` for the
 * same `binding`, so the released wrap too opens for that record version only. The holder's wrap is unchanged and
 * still opens for the holder. The DEK is zeroised before returning.
 *
 * @param wrapped The holder's wrapped key (bytes or `0x` hex).
 * @param holderPrivateKey The holder's 32-byte X25519 private key (bytes or `0x` hex).
 * @param newRecipientPublicKey The new recipient's 32-byte X25519 public key (bytes or `0x` hex).
 * @param binding The record version the wrap is for.
 * @returns A new wrapped key for the new recipient, bound to the same record version (a Promise).
 * @throws {InvalidKeyError} If a key has the wrong length or the public key is unusable.
 * @throws {InvalidArgumentError} If a binding field is invalid.
 * @throws {InvalidEnvelopeError} If `wrapped` is not a well-formed wrapped key.
 * @throws {KeyUnwrapError} If `wrapped` does not open with `holderPrivateKey` for `binding`.
 */
export async function rewrapKey(
  wrapped: BytesLike,
  holderPrivateKey: BytesLike,
  newRecipientPublicKey: BytesLike,
  binding: RecordAadFields,
): Promise<Uint8Array> {
  // Validate the new recipient first, so a bad key fails before the DEK is ever unwrapped.
  wipe(copyPublicKey(newRecipientPublicKey));
  const dek = await unwrapKey(wrapped, holderPrivateKey, binding);
  try {
    return await wrapKey(dek, newRecipientPublicKey, binding);
  } finally {
    wipe(dek);
  }
}
