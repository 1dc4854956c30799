/**
 * The WebCrypto primitives of `sdk/crypto`: AES-256-GCM, SHA-256 and HKDF-SHA256 through
 * `globalThis.crypto.subtle` (OpenSSL in Node, the browser's native implementation in a browser). Only
 * `globalThis.crypto` is used, never `node:crypto`, so the browser core runs on it unchanged.
 *
 * Every key is imported non-extractable, for one usage. Errors of the primitives are left to the callers, which turn
 * them into the SDK's typed errors (a bad tag is a WebCrypto `OperationError`).
 *
 * @module
 * @internal
 */

import { InvalidArgumentError } from "../errors";

/** WebCrypto's `SubtleCrypto` (typed from the global, so no DOM lib and no `node:crypto` import is needed). @internal */
export type Subtle = typeof globalThis.crypto.subtle;
/** A WebCrypto `CryptoKey`. @internal */
export type WebCryptoKey = Awaited<ReturnType<Subtle["importKey"]>>;
/** A WebCrypto `CryptoKeyPair`. @internal */
export type WebCryptoKeyPair = { publicKey: WebCryptoKey; privateKey: WebCryptoKey };

/** The `SubtleCrypto` of this runtime. @internal */
export function subtle(): Subtle {
  const s = globalThis.crypto?.subtle;
  if (s === undefined) {
    throw new InvalidArgumentError("WebCrypto (globalThis.crypto.subtle) is not available in this runtime");
  }
  return s;
}

/** A view WebCrypto accepts as a `BufferSource` (typed for TypeScript's `ArrayBuffer`-backed views). */
function source(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}

/**
 * SHA-256 of `bytes` (WebCrypto `digest`).
 * @internal
 */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest("SHA-256", source(bytes)));
}

/** Imports 32 raw bytes as a non-extractable AES-256-GCM key for one usage. */
async function aesKey(key: Uint8Array, usage: "encrypt" | "decrypt"): Promise<WebCryptoKey> {
  return subtle().importKey("raw", source(key), { name: "AES-GCM" }, false, [usage]);
}

/**
 * AES-256-GCM encryption with a 128-bit tag: returns `ciphertext ‖ tag`.
 * @internal
 */
export async function aesGcmEncrypt(
  key: Uint8Array | WebCryptoKey,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  const k = key instanceof Uint8Array ? await aesKey(key, "encrypt") : key;
  const params = { name: "AES-GCM", iv: source(nonce), additionalData: source(aad), tagLength: 128 };
  return new Uint8Array(await subtle().encrypt(params, k, source(plaintext)));
}

/**
 * AES-256-GCM decryption of `ciphertext ‖ tag`; rejects (WebCrypto `OperationError`) when the tag does not verify.
 * @internal
 */
export async function aesGcmDecrypt(
  key: Uint8Array | WebCryptoKey,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  const k = key instanceof Uint8Array ? await aesKey(key, "decrypt") : key;
  const params = { name: "AES-GCM", iv: source(nonce), additionalData: source(aad), tagLength: 128 };
  return new Uint8Array(await subtle().decrypt(params, k, source(ciphertext)));
}

/**
 * HKDF-SHA256 (RFC 5869) of `ikm`, straight into a non-extractable AES-256-GCM key for `usage`: the derived key
 * bytes never reach JavaScript memory. Equal to importing `HKDF-SHA256(ikm, salt, info, 32)` as the key.
 * @internal
 */
export async function hkdfAesKey(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  usage: "encrypt" | "decrypt",
): Promise<WebCryptoKey> {
  const s = subtle();
  const base = await s.importKey("raw", source(ikm), "HKDF", false, ["deriveKey"]);
  return s.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: source(salt), info: source(info) },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    [usage],
  );
}

/**
 * HKDF-SHA256 output bytes (for tests and known-answer checks; the SDK itself uses {@link hkdfAesKey}).
 * @internal
 */
export async function hkdfBytes(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const s = subtle();
  const base = await s.importKey("raw", source(ikm), "HKDF", false, ["deriveBits"]);
  const bits = await s.deriveBits({ name: "HKDF", hash: "SHA-256", salt: source(salt), info: source(info) }, base, length * 8);
  return new Uint8Array(bits);
}
