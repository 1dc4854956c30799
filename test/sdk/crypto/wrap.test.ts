import { expect } from "chai";
import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes as nodeRandomBytes,
  type KeyObject,
} from "node:crypto";
import { hexlify } from "ethers";
import {
  recordAad,
  decodeWrappedKey,
  DEK_WRAP_LABEL,
  encodeWrappedKey,
  generateDataKey,
  generateEncryptionKeyPair,
  InvalidArgumentError,
  InvalidEnvelopeError,
  InvalidKeyError,
  KeyUnwrapError,
  rewrapKey,
  unwrapKey,
  wrapKey,
  WRAPPED_KEY_LENGTH,
} from "../../../sdk/crypto";
import { loadEncryptionPrivateKey, unwrapKeyWith } from "../../../sdk/crypto/wrap";
import { AAD, expectMedrecError, expectRejects, flipAadField, flipBit } from "./helpers";

// An independent implementation of the documented wrap format on node:crypto (OpenSSL), to pin the format.
const PKCS8_X25519 = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI_X25519 = Buffer.from("302a300506032b656e032100", "hex");
const nodePrivateKey = (raw: Uint8Array) =>
  createPrivateKey({ key: Buffer.concat([PKCS8_X25519, raw]), format: "der", type: "pkcs8" });
const nodePublicKey = (raw: Uint8Array) =>
  createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: "der", type: "spki" });
const rawPublicKey = (key: KeyObject) => {
  const der = key.export({ format: "der", type: "spki" });
  return new Uint8Array(der.subarray(der.length - 32));
};
// The binding B = abi.encode(chainId, recordToken, tokenId, version) of the fixed test record version.
const BINDING = Buffer.from(recordAad(AAD));
const nodeKek = (shared: Buffer, ephemeralPub: Uint8Array, recipientPub: Uint8Array) =>
  Buffer.from(hkdfSync("sha256", shared, Buffer.concat([ephemeralPub, recipientPub]), Buffer.concat([Buffer.from(DEK_WRAP_LABEL), BINDING]), 32));
const nodeAad = Buffer.concat([Buffer.of(2), BINDING]);

function nodeUnwrap(wrapped: Uint8Array, recipientPrivate: Uint8Array): Uint8Array {
  const version = wrapped[0];
  const ephemeralPub = wrapped.subarray(1, 33);
  const nonce = wrapped.subarray(33, 45);
  const ciphertext = wrapped.subarray(45, 77);
  const tag = wrapped.subarray(77, 93);
  expect(version).to.equal(2);
  const sk = nodePrivateKey(recipientPrivate);
  const shared = diffieHellman({ privateKey: sk, publicKey: nodePublicKey(ephemeralPub) });
  const kek = nodeKek(shared, ephemeralPub, rawPublicKey(createPublicKey(sk)));
  const decipher = createDecipheriv("aes-256-gcm", kek, nonce);
  decipher.setAAD(nodeAad);
  decipher.setAuthTag(tag);
  return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
}

function nodeWrap(dek: Uint8Array, recipientPub: Uint8Array): Uint8Array {
  const eph = generateKeyPairSync("x25519");
  const ephemeralPub = rawPublicKey(eph.publicKey);
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: nodePublicKey(recipientPub) });
  const nonce = nodeRandomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", nodeKek(shared, ephemeralPub, recipientPub), nonce);
  cipher.setAAD(nodeAad);
  const ciphertext = Buffer.concat([cipher.update(dek), cipher.final()]);
  return new Uint8Array(Buffer.concat([Buffer.of(2), ephemeralPub, nonce, ciphertext, cipher.getAuthTag()]));
}

describe("sdk/crypto key wrapping", () => {
  const alice = generateEncryptionKeyPair();
  const bob = generateEncryptionKeyPair();

  describe("round trip and format", () => {
    it("wrapKey → unwrapKey returns the DEK", async () => {
      const dek = generateDataKey();
      const wrapped = await wrapKey(dek, alice.publicKey, AAD);
      expect(hexlify(await unwrapKey(wrapped, alice.privateKey, AAD))).to.equal(hexlify(dek));
    });

    it("wrapped key = 0x02 ‖ ephemeral pub(32) ‖ nonce(12) ‖ AES-256-GCM(KEK, DEK)(32) ‖ tag(16), 93 bytes", async () => {
      const dek = generateDataKey();
      const wrapped = await wrapKey(dek, alice.publicKey, AAD);
      expect(WRAPPED_KEY_LENGTH).to.equal(93);
      expect(wrapped.length).to.equal(93);
      expect(wrapped[0]).to.equal(0x02);
      const parts = decodeWrappedKey(wrapped);
      expect(parts.version).to.equal(2);
      expect(hexlify(parts.ephemeralPublicKey)).to.equal(hexlify(wrapped.subarray(1, 33)));
      expect(hexlify(parts.nonce)).to.equal(hexlify(wrapped.subarray(33, 45)));
      expect(hexlify(parts.ciphertext)).to.equal(hexlify(wrapped.subarray(45)));
      expect(hexlify(encodeWrappedKey(parts))).to.equal(hexlify(wrapped));
    });

    it("KEK = HKDF-SHA256(X25519, salt = E ‖ R, info = 'medrec/dek-wrap/v2' ‖ binding), AAD = 0x02 ‖ binding: node:crypto unwraps it", async () => {
      expect(DEK_WRAP_LABEL).to.equal("medrec/dek-wrap/v2");
      for (let i = 0; i < 5; i++) {
        const dek = generateDataKey();
        expect(hexlify(nodeUnwrap(await wrapKey(dek, alice.publicKey, AAD), alice.privateKey))).to.equal(hexlify(dek));
      }
    });

    it("unwrapKey opens a wrap built independently on node:crypto from the documented format", async () => {
      for (let i = 0; i < 5; i++) {
        const dek = generateDataKey();
        expect(hexlify(await unwrapKey(nodeWrap(dek, bob.publicKey), bob.privateKey, AAD))).to.equal(hexlify(dek));
      }
    });

    it("two wraps of the same DEK to the same key differ (fresh ephemeral key and nonce)", async () => {
      const dek = generateDataKey();
      const ephemerals = new Set<string>();
      const nonces = new Set<string>();
      for (let i = 0; i < 16; i++) {
        const parts = decodeWrappedKey(await wrapKey(dek, alice.publicKey, AAD));
        ephemerals.add(hexlify(parts.ephemeralPublicKey));
        nonces.add(hexlify(parts.nonce));
      }
      expect(ephemerals.size).to.equal(16);
      expect(nonces.size).to.equal(16);
    });

    it("accepts keys and wrapped keys as 0x hex and never modifies its inputs", async () => {
      const dek = generateDataKey();
      const dekHex = hexlify(dek);
      const pubHex = hexlify(alice.publicKey);
      const privHex = hexlify(alice.privateKey);
      const wrapped = await wrapKey(dekHex, alice.publicKeyHex, AAD);
      expect(hexlify(await unwrapKey(hexlify(wrapped), privHex, AAD))).to.equal(dekHex);
      const wrapped2 = await wrapKey(dek, alice.publicKey, AAD);
      const wrapped2Hex = hexlify(wrapped2);
      expect(hexlify(await unwrapKey(wrapped2, alice.privateKey, AAD))).to.equal(dekHex);
      expect(hexlify(dek)).to.equal(dekHex);
      expect(hexlify(alice.publicKey)).to.equal(pubHex);
      expect(hexlify(alice.privateKey)).to.equal(privHex);
      expect(hexlify(wrapped2)).to.equal(wrapped2Hex);
    });
  });

  describe("only the recipient can unwrap", () => {
    it("a key wrapped for Alice does not unwrap with Bob's key (KeyUnwrapError)", async () => {
      const wrapped = await wrapKey(generateDataKey(), alice.publicKey, AAD);
      await expectRejects(unwrapKey(wrapped, bob.privateKey, AAD), KeyUnwrapError, "KEY_UNWRAP_FAILED");
    });

    it("nor with any of 20 fresh keys", async () => {
      const wrapped = await wrapKey(generateDataKey(), alice.publicKey, AAD);
      for (let i = 0; i < 20; i++) {
        await expectRejects(
          unwrapKey(wrapped, generateEncryptionKeyPair().privateKey, AAD),
          KeyUnwrapError,
          "KEY_UNWRAP_FAILED",
        );
      }
    });
  });

  describe("tampering fails with a typed error", () => {
    const dek = generateDataKey();
    let wrapped: Awaited<ReturnType<typeof wrapKey>>;
    before(async () => {
      wrapped = await wrapKey(dek, alice.publicKey, AAD);
    });

    it("every bit of the version byte → InvalidEnvelopeError", async () => {
      for (let bit = 0; bit < 8; bit++) {
        await expectRejects(unwrapKey(flipBit(wrapped, bit), alice.privateKey, AAD), InvalidEnvelopeError, "INVALID_ENVELOPE");
      }
    });

    it("every bit of the ephemeral public key → KeyUnwrapError (including the masked top bit)", async () => {
      for (let bit = 8; bit < 33 * 8; bit++) {
        await expectRejects(unwrapKey(flipBit(wrapped, bit), alice.privateKey, AAD), KeyUnwrapError, "KEY_UNWRAP_FAILED");
      }
    });

    it("every bit of the nonce, encrypted DEK and tag → KeyUnwrapError", async () => {
      for (let bit = 33 * 8; bit < WRAPPED_KEY_LENGTH * 8; bit++) {
        await expectRejects(unwrapKey(flipBit(wrapped, bit), alice.privateKey, AAD), KeyUnwrapError, "KEY_UNWRAP_FAILED");
      }
    });
  });

  describe("malformed wrapped keys → InvalidEnvelopeError", () => {
    let wrapped: Awaited<ReturnType<typeof wrapKey>>;
    before(async () => {
      wrapped = await wrapKey(generateDataKey(), alice.publicKey, AAD);
    });

    it("empty, truncated to every shorter length, or extended", async () => {
      for (let len = 0; len < WRAPPED_KEY_LENGTH; len++) {
        await expectRejects(unwrapKey(wrapped.slice(0, len), alice.privateKey, AAD), InvalidEnvelopeError, "INVALID_ENVELOPE");
      }
      const longer = new Uint8Array(WRAPPED_KEY_LENGTH + 1);
      longer.set(wrapped);
      await expectRejects(unwrapKey(longer, alice.privateKey, AAD), InvalidEnvelopeError, "INVALID_ENVELOPE");
    });

    it("garbage of the right length with an unknown version, or malformed hex / non-bytes", async () => {
      const garbage = new Uint8Array(WRAPPED_KEY_LENGTH).fill(0xab);
      await expectRejects(unwrapKey(garbage, alice.privateKey, AAD), InvalidEnvelopeError, "INVALID_ENVELOPE");
      for (const bad of ["0xzz", "not hex", `0x${"0".repeat(185)}`, null, 42, [1, 2]]) {
        await expectRejects(unwrapKey(bad as unknown as Uint8Array, alice.privateKey, AAD), InvalidEnvelopeError, "INVALID_ENVELOPE");
      }
    });

    it("garbage of the right length with version 0x02 fails authentication (KeyUnwrapError)", async () => {
      const garbage = new Uint8Array(WRAPPED_KEY_LENGTH).fill(0x5a);
      garbage[0] = 0x02;
      await expectRejects(unwrapKey(garbage, alice.privateKey, AAD), KeyUnwrapError, "KEY_UNWRAP_FAILED");
    });

    it("an unbound version-1 wrap (the format before the binding) is refused (InvalidEnvelopeError)", async () => {
      const legacy = Uint8Array.from(await wrapKey(generateDataKey(), alice.publicKey, AAD));
      legacy[0] = 0x01;
      await expectRejects(unwrapKey(legacy, alice.privateKey, AAD), InvalidEnvelopeError, "INVALID_ENVELOPE");
    });

    it("encodeWrappedKey rejects unknown versions and wrong part lengths", async () => {
      const parts = decodeWrappedKey(wrapped);
      expectMedrecError(() => encodeWrappedKey({ ...parts, version: 0 }), InvalidEnvelopeError, "INVALID_ENVELOPE");
      expectMedrecError(
        () => encodeWrappedKey({ ...parts, ephemeralPublicKey: new Uint8Array(31) }),
        InvalidEnvelopeError,
        "INVALID_ENVELOPE",
      );
      expectMedrecError(() => encodeWrappedKey({ ...parts, nonce: new Uint8Array(16) }), InvalidEnvelopeError, "INVALID_ENVELOPE");
      expectMedrecError(
        () => encodeWrappedKey({ ...parts, ciphertext: new Uint8Array(32) }),
        InvalidEnvelopeError,
        "INVALID_ENVELOPE",
      );
    });
  });

  describe("a wrap is bound to one record version (chain id, RecordToken, token id, version)", () => {
    it("opens for its record version only: another token, version, chain or RecordToken gives KeyUnwrapError", async () => {
      const dek = generateDataKey();
      const wrapped = await wrapKey(dek, alice.publicKey, AAD);
      const others = [
        { ...AAD, tokenId: BigInt(AAD.tokenId) + 1n },
        { ...AAD, version: BigInt(AAD.version) + 1n },
        { ...AAD, version: BigInt(AAD.version) - 1n },
        { ...AAD, chainId: 1n },
        flipAadField(AAD, "recordToken", 0),
      ];
      for (const other of others) await expectRejects(unwrapKey(wrapped, alice.privateKey, other), KeyUnwrapError, "KEY_UNWRAP_FAILED");
      expect(hexlify(await unwrapKey(wrapped, alice.privateKey, { ...AAD, recordToken: AAD.recordToken.toLowerCase() }))).to.equal(hexlify(dek));
    });

    it("attack: record A's wrap presented as record B's key does not open, so B's consent cannot release A's key", async () => {
      const recordA = { ...AAD, tokenId: 7n, version: 1n };
      const recordB = { ...AAD, tokenId: 8n, version: 1n };
      const wrapOfA = await wrapKey(generateDataKey(), alice.publicKey, recordA);
      await expectRejects(unwrapKey(wrapOfA, alice.privateKey, recordB), KeyUnwrapError, "KEY_UNWRAP_FAILED");
      await expectRejects(rewrapKey(wrapOfA, alice.privateKey, bob.publicKey, recordB), KeyUnwrapError, "KEY_UNWRAP_FAILED");
    });

    it("a re-wrap carries the binding: the released wrap opens for the same version and no other", async () => {
      const dek = generateDataKey();
      const released = await rewrapKey(await wrapKey(dek, alice.publicKey, AAD), alice.privateKey, bob.publicKey, AAD);
      expect(hexlify(await unwrapKey(released, bob.privateKey, AAD))).to.equal(hexlify(dek));
      await expectRejects(unwrapKey(released, bob.privateKey, { ...AAD, version: 9n }), KeyUnwrapError, "KEY_UNWRAP_FAILED");
    });

    it("an invalid binding is refused before any key is used (InvalidArgumentError)", async () => {
      await expectRejects(wrapKey(generateDataKey(), alice.publicKey, { ...AAD, version: -1n }), InvalidArgumentError, "INVALID_ARGUMENT");
      await expectRejects(unwrapKey(await wrapKey(generateDataKey(), alice.publicKey, AAD), alice.privateKey, { ...AAD, recordToken: "0x12" }), InvalidArgumentError, "INVALID_ARGUMENT");
    });
  });

  describe("bad keys → InvalidKeyError", () => {
    const wrongLengths = [0, 16, 31, 33, 64];
    const P = (1n << 255n) - 19n;
    const le32 = (n: bigint) => {
      const out = new Uint8Array(32);
      for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
      return out;
    };

    it("a DEK that is not 32 bytes", async () => {
      for (const n of wrongLengths) {
        await expectRejects(wrapKey(new Uint8Array(n), alice.publicKey, AAD), InvalidKeyError, "INVALID_KEY");
      }
    });

    it("a recipient public key that is not 32 bytes, or malformed", async () => {
      for (const n of wrongLengths) {
        await expectRejects(wrapKey(generateDataKey(), new Uint8Array(n), AAD), InvalidKeyError, "INVALID_KEY");
      }
      for (const bad of ["0x1234", "0xzz", null, 3]) {
        await expectRejects(wrapKey(generateDataKey(), bad as unknown as Uint8Array, AAD), InvalidKeyError, "INVALID_KEY");
      }
    });

    it("a non-canonical public key (top bit set, or u ≥ 2^255 − 19)", async () => {
      const highBit = Uint8Array.from(alice.publicKey);
      highBit[31] |= 0x80;
      for (const bad of [highBit, le32(P), le32(P + 1n), le32((1n << 255n) - 1n)]) {
        await expectRejects(wrapKey(generateDataKey(), bad, AAD), InvalidKeyError, "INVALID_KEY");
      }
    });

    it("a low-order public key (u = 0, 1, p − 1 and the two points of order 8)", async () => {
      const order8 = [
        325606250916557431795983626356110631294008115727848805560023387167927233504n,
        39382357235489614581723060781553021112529911719440698176882885853963445705823n,
      ];
      for (const bad of [le32(0n), le32(1n), le32(P - 1n), ...order8.map(le32)]) {
        await expectRejects(wrapKey(generateDataKey(), bad, AAD), InvalidKeyError, "INVALID_KEY");
      }
    });

    it("a private key that is not 32 bytes", async () => {
      const wrapped = await wrapKey(generateDataKey(), alice.publicKey, AAD);
      for (const n of wrongLengths) {
        await expectRejects(unwrapKey(wrapped, new Uint8Array(n), AAD), InvalidKeyError, "INVALID_KEY");
      }
      await expectRejects(unwrapKey(wrapped, "0x00", AAD), InvalidKeyError, "INVALID_KEY");
    });
  });

  describe("rewrapKey (the resolver's key release)", () => {
    const resolver = generateEncryptionKeyPair();
    const grantee = generateEncryptionKeyPair();

    it("gives the new recipient the same DEK, and the holder's wrap still opens for the holder", async () => {
      const dek = generateDataKey();
      const holderWrap = await wrapKey(dek, resolver.publicKey, AAD);
      const holderWrapBefore = hexlify(holderWrap);
      const granteeWrap = await rewrapKey(holderWrap, resolver.privateKey, grantee.publicKey, AAD);
      expect(hexlify(await unwrapKey(granteeWrap, grantee.privateKey, AAD))).to.equal(hexlify(dek));
      expect(hexlify(holderWrap)).to.equal(holderWrapBefore);
      expect(hexlify(await unwrapKey(holderWrap, resolver.privateKey, AAD))).to.equal(hexlify(dek));
    });

    it("the new wrap is for the new recipient only", async () => {
      const holderWrap = await wrapKey(generateDataKey(), resolver.publicKey, AAD);
      const granteeWrap = await rewrapKey(holderWrap, resolver.privateKey, grantee.publicKey, AAD);
      expect(hexlify(granteeWrap)).to.not.equal(hexlify(holderWrap));
      await expectRejects(unwrapKey(granteeWrap, resolver.privateKey, AAD), KeyUnwrapError, "KEY_UNWRAP_FAILED");
      await expectRejects(unwrapKey(granteeWrap, alice.privateKey, AAD), KeyUnwrapError, "KEY_UNWRAP_FAILED");
    });

    it("a party that does not hold the wrap cannot rewrap it (KeyUnwrapError)", async () => {
      const holderWrap = await wrapKey(generateDataKey(), resolver.publicKey, AAD);
      await expectRejects(rewrapKey(holderWrap, grantee.privateKey, grantee.publicKey, AAD), KeyUnwrapError, "KEY_UNWRAP_FAILED");
    });

    it("rejects a bad new recipient key, a bad holder key and a malformed wrap with typed errors", async () => {
      const holderWrap = await wrapKey(generateDataKey(), resolver.publicKey, AAD);
      await expectRejects(rewrapKey(holderWrap, resolver.privateKey, new Uint8Array(31), AAD), InvalidKeyError, "INVALID_KEY");
      await expectRejects(rewrapKey(holderWrap, resolver.privateKey, new Uint8Array(32), AAD), InvalidKeyError, "INVALID_KEY");
      await expectRejects(rewrapKey(holderWrap, new Uint8Array(33), grantee.publicKey, AAD), InvalidKeyError, "INVALID_KEY");
      await expectRejects(
        rewrapKey(holderWrap.slice(1), resolver.privateKey, grantee.publicKey, AAD),
        InvalidEnvelopeError,
        "INVALID_ENVELOPE",
      );
    });
  });

  describe("unwrapKeyWith: a reader's key loaded once", () => {
    it("its public key is the key pair's, it opens every wrap to it for its record version, and nothing else", async () => {
      const reader = generateEncryptionKeyPair();
      const loaded = await loadEncryptionPrivateKey(reader.privateKey);
      try {
        expect(hexlify(loaded.publicKey)).to.equal(hexlify(reader.publicKey));
        for (const tokenId of [1n, 2n]) {
          const dek = generateDataKey();
          const binding = { ...AAD, tokenId };
          expect(hexlify(await unwrapKeyWith(await wrapKey(dek, reader.publicKey, binding), loaded, binding))).to.equal(hexlify(dek));
          await expectRejects(unwrapKeyWith(await wrapKey(dek, reader.publicKey, binding), loaded, { ...binding, version: 2n }), KeyUnwrapError, "KEY_UNWRAP_FAILED");
          await expectRejects(unwrapKeyWith(await wrapKey(dek, generateEncryptionKeyPair().publicKey, binding), loaded, binding), KeyUnwrapError, "KEY_UNWRAP_FAILED");
        }
        await expectRejects(unwrapKeyWith(new Uint8Array(WRAPPED_KEY_LENGTH - 1), loaded, AAD), InvalidEnvelopeError, "INVALID_ENVELOPE");
      } finally {
        loaded.dispose();
      }
      await expectRejects(loadEncryptionPrivateKey(new Uint8Array(31)), InvalidKeyError, "INVALID_KEY");
    });
  });
});
