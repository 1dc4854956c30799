import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from "node:crypto";
import {
  DEK_WRAP_LABEL,
  GCM_NONCE_LENGTH,
  GCM_TAG_LENGTH,
  WRAPPED_KEY_LENGTH,
  WRAPPED_KEY_VERSION,
  X25519_KEY_LENGTH,
  decodeWrappedKey,
  encodeWrappedKey,
  recordAad,
  type RecordAadFields,
} from "@medrec/sdk/crypto";
import { InvalidKeyError, KeyUnwrapError } from "@medrec/sdk/errors";

/** DER prefix of an X25519 PKCS#8 private key (RFC 8410); the 32 key bytes follow. */
const PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const LABEL = Buffer.from(DEK_WRAP_LABEL, "utf8");
const P25519 = (1n << 255n) - 19n;

/** Re-wraps record keys from the resolver's X25519 key to readers' one-time keys; see {@link createKeyRewrapper}. */
export interface KeyRewrapper {
  /**
   * The data key of `wrapped` (the resolver's wrap of one record version) wrapped to `recipientPublicKey` for the
   * same `binding`: the output of the SDK's `rewrapKey`, byte format and all (a fresh ephemeral key and nonce).
   * @throws {InvalidKeyError} When `recipientPublicKey` is not a canonical, usable X25519 public key (checked first).
   * @throws {KeyUnwrapError} When `wrapped` does not open with the resolver's key for `binding`.
   */
  rewrap(wrapped: Uint8Array, recipientPublicKey: Uint8Array, binding: RecordAadFields): Uint8Array;
}

/** A 32-byte X25519 public key as a KeyObject; refuses a non-canonical u-coordinate as the SDK does. */
function publicKeyObject(publicKey: Uint8Array): KeyObject {
  if (publicKey.length !== X25519_KEY_LENGTH) throw new InvalidKeyError("public key must be 32 bytes");
  let u = 0n;
  for (let i = X25519_KEY_LENGTH - 1; i >= 0; i--) u = (u << 8n) | BigInt(publicKey[i]);
  if (u >= P25519) throw new InvalidKeyError("public key is not a canonical X25519 u-coordinate");
  // JWK, not DER: a raw key import, about 8 times cheaper than OpenSSL's DER decoders.
  return createPublicKey({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(publicKey).toString("base64url") }, format: "jwk" });
}

/** X25519(private, public), refusing the all-zero secret of a low-order public key. */
function sharedSecret(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey });
  } catch {
    throw new InvalidKeyError("public key is not a usable X25519 public key (low order)"); // OpenSSL refuses a zero secret
  }
  if (shared.every((byte) => byte === 0)) {
    shared.fill(0);
    throw new InvalidKeyError("public key is not a usable X25519 public key (low order)");
  }
  return shared;
}

/** The 32 raw bytes of an X25519 public KeyObject. */
function rawPublicKey(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: "jwk" }).x!, "base64url");
}

/** KEK = HKDF-SHA256(shared, salt = ephemeralPub ‖ recipientPub, info = label ‖ binding, 32 bytes), as the SDK's. */
function kek(shared: Buffer, ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array, binding: Uint8Array): Buffer {
  return Buffer.from(hkdfSync("sha256", shared, Buffer.concat([ephemeralPublicKey, recipientPublicKey]), Buffer.concat([LABEL, binding]), 32));
}

/**
 * A {@link KeyRewrapper} holding the resolver's X25519 private key as an OpenSSL key object (loaded once, not per
 * request), doing the SDK's wrap format (`sdk/crypto/wrap.ts`: X25519, HKDF-SHA256, AES-256-GCM with the version
 * byte ‖ record binding as associated data) with node:crypto's synchronous calls. That is about ten times cheaper
 * than WebCrypto's job queue per release; the SDK's `unwrapKey` opens its output (tested both ways). The data key,
 * the shared secrets and the key-encryption keys pass through Buffers that are zeroised before returning.
 * @param privateKey The resolver's 32-byte X25519 private key (copied into the key object; not kept or modified).
 */
export function createKeyRewrapper(privateKey: Uint8Array): KeyRewrapper {
  if (privateKey.length !== X25519_KEY_LENGTH) throw new InvalidKeyError("private key must be 32 bytes");
  const der = Buffer.concat([PKCS8_PREFIX, privateKey]);
  const own = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
  der.fill(0);
  const ownPublic = rawPublicKey(createPublicKey(own));

  return {
    rewrap(wrapped, recipientPublicKey, binding) {
      const recipient = publicKeyObject(recipientPublicKey);
      const bound = recordAad(binding);
      const aad = Buffer.concat([Uint8Array.of(WRAPPED_KEY_VERSION), bound]);
      const secrets: Buffer[] = [];
      try {
        let dek: Buffer;
        try {
          if (wrapped.length !== WRAPPED_KEY_LENGTH) throw new Error("length");
          const parts = decodeWrappedKey(wrapped);
          const shared = sharedSecret(own, publicKeyObject(parts.ephemeralPublicKey));
          secrets.push(shared);
          const key = kek(shared, parts.ephemeralPublicKey, ownPublic, bound);
          secrets.push(key);
          const body = parts.ciphertext.length - GCM_TAG_LENGTH;
          const decipher = createDecipheriv("aes-256-gcm", key, parts.nonce, { authTagLength: GCM_TAG_LENGTH });
          decipher.setAAD(aad);
          decipher.setAuthTag(parts.ciphertext.subarray(body));
          dek = Buffer.concat([decipher.update(parts.ciphertext.subarray(0, body)), decipher.final()]);
          secrets.push(dek);
        } catch {
          throw new KeyUnwrapError("key unwrap failed: not wrapped to this key for this record version, or tampered");
        }
        const ephemeral = generateKeyPairSync("x25519");
        const ephemeralPublicKey = rawPublicKey(ephemeral.publicKey);
        const shared = sharedSecret(ephemeral.privateKey, recipient);
        secrets.push(shared);
        const key = kek(shared, ephemeralPublicKey, recipientPublicKey, bound);
        secrets.push(key);
        const nonce = randomBytes(GCM_NONCE_LENGTH);
        const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: GCM_TAG_LENGTH });
        cipher.setAAD(aad);
        const ciphertext = Buffer.concat([cipher.update(dek), cipher.final(), cipher.getAuthTag()]);
        return encodeWrappedKey({ version: WRAPPED_KEY_VERSION, ephemeralPublicKey: new Uint8Array(ephemeralPublicKey), nonce: new Uint8Array(nonce), ciphertext: new Uint8Array(ciphertext) });
      } finally {
        for (const secret of secrets) secret.fill(0);
      }
    },
  };
}
