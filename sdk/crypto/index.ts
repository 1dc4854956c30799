/**
 * `sdk/crypto`: envelope encryption of medrec records (see ARCHITECTURE.md, "Record encryption").
 *
 * - A record version is encrypted once with a random 256-bit data key (DEK): AES-256-GCM, random
 *   96-bit nonce, AAD = {@link recordAad} = `abi.encode(uint256 chainId, address recordToken,
 *   uint256 tokenId, uint64 version)`. Sealed record = `0x01 ‖ nonce (12) ‖ ciphertext ‖ tag (16)`.
 * - The DEK is wrapped to each reader's X25519 key for that record version: ephemeral X25519 ECDH, HKDF-SHA256
 *   (salt = ephemeral pub ‖ recipient pub, info = `"medrec/dek-wrap/v2"` ‖ {@link recordAad}) → KEK, AES-256-GCM
 *   with AAD = `0x02 ‖ recordAad`. Wrapped key = `0x02 ‖ ephemeral pub (32) ‖ nonce (12) ‖ encrypted DEK (32) ‖
 *   tag (16)` (93 bytes); it opens only for the (chain, RecordToken, token id, version) it was made for.
 * - On-chain: SHA-256 of the sealed record ({@link contentHash}); readers verify it first ({@link openRecord}).
 *
 * AES-256-GCM, SHA-256 and HKDF run in WebCrypto (`globalThis.crypto.subtle`: OpenSSL in Node, native in browsers),
 * so the operations that use them return Promises; X25519 runs in WebCrypto where the runtime has it, else in
 * `@noble/curves`.
 *
 * Errors are the typed errors of `sdk/errors` (`DecryptionError`, `KeyUnwrapError`, `InvalidKeyError`,
 * `InvalidEnvelopeError`, `ContentHashMismatchError`, `InvalidArgumentError`).
 *
 * @module
 */

export { recordAad, RECORD_AAD_LENGTH, type RecordAadFields } from "./aad";
export { bytesToHex, hexToBytes, randomBytes, type BytesLike } from "./bytes";
export {
  generateEncryptionKeyPair,
  getEncryptionPublicKey,
  generateDataKey,
  X25519_KEY_LENGTH,
  DATA_KEY_LENGTH,
  type EncryptionKeyPair,
} from "./keys";
export {
  encryptRecord,
  decryptRecord,
  encodeSealedRecord,
  decodeSealedRecord,
  SEALED_RECORD_VERSION,
  SEALED_RECORD_OVERHEAD,
  GCM_NONCE_LENGTH,
  GCM_TAG_LENGTH,
  type SealedRecordParts,
} from "./record";
export {
  wrapKey,
  unwrapKey,
  rewrapKey,
  encodeWrappedKey,
  decodeWrappedKey,
  WRAPPED_KEY_VERSION,
  WRAPPED_KEY_LENGTH,
  DEK_WRAP_LABEL,
  type WrappedKeyParts,
} from "./wrap";
export {
  sealRecord,
  sealRecordUnhashed,
  openRecord,
  contentHash,
  type SealedEnvelope,
  type UnhashedEnvelope,
  type RecipientWrap,
} from "./envelope";
export { benchEnvelope, type BenchEnvelopeOptions, type BenchEnvelopeResult } from "./bench";
export {
  MedrecError,
  DecryptionError,
  KeyUnwrapError,
  InvalidKeyError,
  InvalidEnvelopeError,
  ContentHashMismatchError,
  InvalidArgumentError,
} from "../errors";
