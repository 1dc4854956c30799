import { expect } from "chai";
import fc from "fast-check";
import { gcm } from "@noble/ciphers/aes";
import { x25519 } from "@noble/curves/ed25519";
import { hkdf } from "@noble/hashes/hkdf";
import { sha256 } from "@noble/hashes/sha2";
import { hexlify } from "ethers";
import {
  contentHash,
  DEK_WRAP_LABEL,
  decryptRecord,
  encryptRecord,
  generateDataKey,
  generateEncryptionKeyPair,
  hexToBytes,
  KeyUnwrapError,
  openRecord,
  recordAad,
  unwrapKey,
  wrapKey,
  DecryptionError,
  type RecordAadFields,
} from "../../../sdk/crypto";
import { hkdfBytes } from "../../../sdk/crypto/webcrypto";
import { NOBLE_X25519, selectX25519Backend, WEBCRYPTO_X25519, x25519Backend } from "../../../sdk/crypto/x25519";
import { AAD, expectRejects } from "./helpers";

// Produced by the noble-based sdk/crypto before the move to WebCrypto (commit 8017b13): stored data of that format
// must keep opening.
const OLD = {
  aad: { chainId: 324n, recordToken: "0x5FbDB2315678afecb367f032d93F642f64180aa3", tokenId: 7n, version: 2n } as RecordAadFields,
  dek: "0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
  privateKey: "0xa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf",
  publicKey: "0x605a725d2a4adfeeb1a29e17edd621c1b7593ee8cdbc44ac6c4ab6e2f805d23c",
  plaintext: '{"resourceType":"Patient","id":"kat"}',
  sealed: "0x01063cad2768c97a5e31ef3c2e03310410d826d43d80a05e44f67b1eca171afd621084475060acd8b45def0bfc6714f143b9670102cac8d72de886b429ccc9d44ce9",
  contentHash: "0x484bafc318acdf8bbe0fc4b835a55dcfb8291642741fc80c03360868c46aad04",
  wrap: "0x02f4e41db25240c4a36e861866e29c95b36f9c15bd4c175f9aa392a41c2718d72f20e357add9bbd883dad64dec6edc2a34fb7ebab20ce8d6f569d381b90a34abbd851e090189a4616c30adc0dbefff409d90a23b06c7423464a58dfb06",
};

const LABEL = new TextEncoder().encode(DEK_WRAP_LABEL);
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

/** A sealed record made with noble's AES-GCM, as the old sdk/crypto made them. */
function nobleSeal(plaintext: Uint8Array, dek: Uint8Array, aad: RecordAadFields): Uint8Array {
  const nonce = x25519.utils.randomSecretKey().slice(0, 12);
  return concat(Uint8Array.of(1), nonce, gcm(dek, nonce, recordAad(aad)).encrypt(plaintext));
}

/** Opens a sealed record with noble's AES-GCM. */
function nobleOpen(sealed: Uint8Array, dek: Uint8Array, aad: RecordAadFields): Uint8Array {
  return gcm(dek, sealed.subarray(1, 13), recordAad(aad)).decrypt(sealed.subarray(13));
}

/** A wrap made with noble X25519 + HKDF + AES-GCM, byte for byte the old wrapKey. */
function nobleWrap(dek: Uint8Array, recipient: Uint8Array, aad: RecordAadFields): Uint8Array {
  const bound = recordAad(aad);
  const e = x25519.utils.randomSecretKey();
  const E = x25519.getPublicKey(e);
  const kek = hkdf(sha256, x25519.getSharedSecret(e, recipient), concat(E, recipient), concat(LABEL, bound), 32);
  const nonce = x25519.utils.randomSecretKey().slice(0, 12);
  return concat(Uint8Array.of(2), E, nonce, gcm(kek, nonce, concat(Uint8Array.of(2), bound)).encrypt(dek));
}

/** Unwraps with noble, as the old unwrapKey did. */
function nobleUnwrap(wrapped: Uint8Array, sk: Uint8Array, aad: RecordAadFields): Uint8Array {
  const bound = recordAad(aad);
  const E = wrapped.subarray(1, 33);
  const kek = hkdf(sha256, x25519.getSharedSecret(sk, E), concat(E, x25519.getPublicKey(sk)), concat(LABEL, bound), 32);
  return gcm(kek, wrapped.subarray(33, 45), concat(Uint8Array.of(2), bound)).decrypt(wrapped.subarray(45));
}

describe("sdk/crypto on WebCrypto: bit-identical to the noble implementation", () => {
  it("uses WebCrypto's X25519 on this runtime (Node ≥ 20)", async () => {
    expect((await x25519Backend()).name).to.equal("webcrypto");
  });

  it("opens a sealed record and a wrap produced by the old (noble) code", async () => {
    const dek = await unwrapKey(OLD.wrap, OLD.privateKey, OLD.aad);
    expect(hexlify(dek)).to.equal(OLD.dek);
    expect(new TextDecoder().decode(await decryptRecord(hexToBytes(OLD.sealed), dek, OLD.aad))).to.equal(OLD.plaintext);
    expect(await contentHash(hexToBytes(OLD.sealed))).to.equal(OLD.contentHash);
    const opened = await openRecord(hexToBytes(OLD.sealed), OLD.wrap, OLD.privateKey, OLD.aad, OLD.contentHash);
    expect(new TextDecoder().decode(opened)).to.equal(OLD.plaintext);
    await expectRejects(unwrapKey(OLD.wrap, OLD.privateKey, { ...OLD.aad, version: 3n }), KeyUnwrapError, "KEY_UNWRAP_FAILED");
  });

  it("contentHash equals noble's SHA-256", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
        expect(await contentHash(bytes)).to.equal(hexlify(sha256(bytes)));
      }),
      { numRuns: 50 },
    );
  });

  it("noble-sealed records open with the new code, and new sealed records open with noble", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (plaintext) => {
        const dek = generateDataKey();
        expect(hexlify(await decryptRecord(nobleSeal(plaintext, dek, AAD), dek, AAD))).to.equal(hexlify(plaintext));
        expect(hexlify(nobleOpen(await encryptRecord(plaintext, dek, AAD), dek, AAD))).to.equal(hexlify(plaintext));
      }),
      { numRuns: 50 },
    );
  });

  it("a bad tag from WebCrypto (OperationError) is a DecryptionError", async () => {
    const dek = generateDataKey();
    const sealed = nobleSeal(new Uint8Array(100), dek, AAD);
    sealed[sealed.length - 1] ^= 1;
    await expectRejects(decryptRecord(sealed, dek, AAD), DecryptionError, "DECRYPTION_FAILED");
  });

  it("noble wraps unwrap with the new code, and new wraps unwrap with noble", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (dek) => {
        const reader = generateEncryptionKeyPair();
        expect(hexlify(await unwrapKey(nobleWrap(dek, reader.publicKey, AAD), reader.privateKey, AAD))).to.equal(hexlify(dek));
        expect(hexlify(nobleUnwrap(await wrapKey(dek, reader.publicKey, AAD), reader.privateKey, AAD))).to.equal(hexlify(dek));
      }),
      { numRuns: 30 },
    );
  });

  it("HKDF-SHA256 of WebCrypto equals noble's", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 200 }),
        async (ikm, salt, info) => {
          expect(hexlify(await hkdfBytes(ikm, salt, info, 32))).to.equal(hexlify(hkdf(sha256, ikm, salt, info, 32)));
        },
      ),
      { numRuns: 50 },
    );
  });

  it("the WebCrypto and noble X25519 backends agree on public keys and shared secrets, and refuse a low-order point", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (a, b) => {
        const [wa, na] = [await WEBCRYPTO_X25519.privateKey(a), await NOBLE_X25519.privateKey(a)];
        expect(hexlify(wa.publicKey)).to.equal(hexlify(na.publicKey));
        const pb = x25519.getPublicKey(b);
        expect(hexlify(await wa.sharedSecret(pb))).to.equal(hexlify(await na.sharedSecret(pb)));
      }),
      { numRuns: 30 },
    );
    for (const backend of [WEBCRYPTO_X25519, NOBLE_X25519]) {
      const key = await backend.privateKey(generateEncryptionKeyPair().privateKey);
      let refused = false;
      await key.sharedSecret(new Uint8Array(32)).catch(() => (refused = true));
      expect(refused, backend.name).to.equal(true);
    }
  });

  it("falls back to noble X25519 where WebCrypto has none: wraps made either way open either way", async () => {
    const reader = generateEncryptionKeyPair();
    const dek = generateDataKey();
    try {
      selectX25519Backend(NOBLE_X25519);
      expect((await x25519Backend()).name).to.equal("noble");
      const viaNoble = await wrapKey(dek, reader.publicKey, AAD);
      expect(hexlify(await unwrapKey(viaNoble, reader.privateKey, AAD))).to.equal(hexlify(dek));
      await expectRejects(unwrapKey(viaNoble, generateEncryptionKeyPair().privateKey, AAD), KeyUnwrapError, "KEY_UNWRAP_FAILED");
      selectX25519Backend(undefined);
      expect(hexlify(await unwrapKey(viaNoble, reader.privateKey, AAD))).to.equal(hexlify(dek));
      const viaWebCrypto = await wrapKey(dek, reader.publicKey, AAD);
      selectX25519Backend(NOBLE_X25519);
      expect(hexlify(await unwrapKey(viaWebCrypto, reader.privateKey, AAD))).to.equal(hexlify(dek));
    } finally {
      selectX25519Backend(undefined);
    }
  });
});
