/**
 * Key generation: X25519 encryption key pairs (the keys registered in PatientRegistry /
 * ProviderRegistry) and per-record data keys.
 *
 * @module
 */

import { x25519 } from "@noble/curves/ed25519";
import { bytesToHex, copyKey, randomBytes, wipe, type BytesLike } from "./bytes";

/** Length in bytes of an X25519 private or public key. */
export const X25519_KEY_LENGTH = 32;
/** Length in bytes of a data key (DEK): AES-256. */
export const DATA_KEY_LENGTH = 32;

/** An X25519 key pair. */
export interface EncryptionKeyPair {
  /** 32-byte X25519 private key (scalar, RFC 7748). Keep secret; zeroise with `fill(0)` when done. */
  privateKey: Uint8Array;
  /** 32-byte X25519 public key (u-coordinate, little-endian), as registered on-chain. */
  publicKey: Uint8Array;
  /** `publicKey` as `0x` hex, the bytes32 that `PatientRegistry.register` takes. */
  publicKeyHex: `0x${string}`;
}

/**
 * Generates a fresh X25519 encryption key pair from a CSPRNG.
 * @returns `{privateKey, publicKey, publicKeyHex}`; both keys are 32 bytes.
 */
export function generateEncryptionKeyPair(): EncryptionKeyPair {
  const privateKey = x25519.utils.randomSecretKey();
  const publicKey = x25519.getPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyHex: bytesToHex(publicKey) };
}

/**
 * Derives the X25519 public key of a private key.
 * @param privateKey 32-byte X25519 private key (bytes or `0x` hex).
 * @returns The 32-byte public key.
 * @throws {InvalidKeyError} If the private key is not 32 bytes.
 */
export function getEncryptionPublicKey(privateKey: BytesLike): Uint8Array {
  const sk = copyKey(privateKey, X25519_KEY_LENGTH, "private key");
  try {
    return x25519.getPublicKey(sk);
  } finally {
    wipe(sk);
  }
}

/**
 * Generates a fresh random 256-bit data key (DEK) for one record.
 * @returns 32 random bytes. Zeroise with `fill(0)` once wrapped and used.
 */
export function generateDataKey(): Uint8Array {
  return randomBytes(DATA_KEY_LENGTH);
}
