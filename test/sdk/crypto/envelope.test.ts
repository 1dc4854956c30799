import { expect } from "chai";
import { createHash } from "node:crypto";
import { hexlify } from "ethers";
import {
  benchEnvelope,
  contentHash,
  ContentHashMismatchError,
  DecryptionError,
  generateEncryptionKeyPair,
  InvalidArgumentError,
  InvalidEnvelopeError,
  InvalidKeyError,
  KeyUnwrapError,
  openRecord,
  randomBytes,
  sealRecord,
  sealRecordUnhashed,
  unwrapKey,
  wrapKey,
  decryptRecord,
} from "../../../sdk/crypto";
import { AAD, expectMedrecError, expectRejects, flipBit, utf8 } from "./helpers";

const FHIR = utf8('{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient"}}]}');
const sha256Hex = (b: Uint8Array) => `0x${createHash("sha256").update(b).digest("hex")}`;

describe("sdk/crypto envelope (sealRecord / openRecord)", () => {
  const patient = generateEncryptionKeyPair();
  const resolver = generateEncryptionKeyPair();
  const grantee = generateEncryptionKeyPair();
  const outsider = generateEncryptionKeyPair();

  it("seals once and every recipient opens it, with the on-chain hash checked", async () => {
    const env = await sealRecord(FHIR, AAD, [patient.publicKey, resolver.publicKeyHex, grantee.publicKey]);
    expect(env.wraps).to.have.length(3);
    for (const [i, party] of [patient, resolver, grantee].entries()) {
      expect(hexlify(env.wraps[i].recipient)).to.equal(party.publicKeyHex);
      const opened = await openRecord(env.sealed, env.wraps[i].wrappedKey, party.privateKey, AAD, env.contentHash);
      expect(hexlify(opened)).to.equal(hexlify(FHIR));
    }
  });

  it("contentHash is SHA-256 of the sealed bytes, 0x + 64 lowercase hex", async () => {
    const env = await sealRecord(FHIR, AAD, [patient.publicKey]);
    expect(env.contentHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(env.contentHash).to.equal(sha256Hex(env.sealed));
    expect(await contentHash(env.sealed)).to.equal(env.contentHash);
  });

  it("all wraps carry the same DEK, and that DEK decrypts the sealed record", async () => {
    const env = await sealRecord(FHIR, AAD, [patient.publicKey, resolver.publicKey]);
    const a = await unwrapKey(env.wraps[0].wrappedKey, patient.privateKey, AAD);
    const b = await unwrapKey(env.wraps[1].wrappedKey, resolver.privateKey, AAD);
    expect(hexlify(a)).to.equal(hexlify(b));
    expect(hexlify(await decryptRecord(env.sealed, a, AAD))).to.equal(hexlify(FHIR));
  });

  it("a wrap opens only for its own recipient", async () => {
    const parties = [patient, resolver, grantee];
    const env = await sealRecord(FHIR, AAD, parties.map((p) => p.publicKey));
    for (const [i, wrap] of env.wraps.entries()) {
      for (const [j, party] of [...parties, outsider].entries()) {
        if (i === j) continue;
        await expectRejects(
          openRecord(env.sealed, wrap.wrappedKey, party.privateKey, AAD, env.contentHash),
          KeyUnwrapError,
          "KEY_UNWRAP_FAILED",
        );
      }
    }
  });

  it("two seals of the same plaintext differ (fresh DEK and nonce)", async () => {
    const a = await sealRecord(FHIR, AAD, [patient.publicKey]);
    const b = await sealRecord(FHIR, AAD, [patient.publicKey]);
    expect(hexlify(a.sealed.subarray(1, 13))).to.not.equal(hexlify(b.sealed.subarray(1, 13)));
    expect(a.contentHash).to.not.equal(b.contentHash);
    const dekA = await unwrapKey(a.wraps[0].wrappedKey, patient.privateKey, AAD);
    const dekB = await unwrapKey(b.wraps[0].wrappedKey, patient.privateKey, AAD);
    expect(hexlify(dekA)).to.not.equal(hexlify(dekB));
  });

  it("opens without an expected hash too", async () => {
    const env = await sealRecord(FHIR, AAD, [patient.publicKey]);
    expect(hexlify(await openRecord(env.sealed, env.wraps[0].wrappedKey, patient.privateKey, AAD))).to.equal(hexlify(FHIR));
  });

  it("accepts the expected hash as uppercase hex or as 32 bytes", async () => {
    const env = await sealRecord(FHIR, AAD, [patient.publicKey]);
    const upper = `0x${env.contentHash.slice(2).toUpperCase()}`;
    const bytes = Uint8Array.from(Buffer.from(env.contentHash.slice(2), "hex"));
    expect(hexlify(await openRecord(env.sealed, env.wraps[0].wrappedKey, patient.privateKey, AAD, upper))).to.equal(hexlify(FHIR));
    expect(hexlify(await openRecord(env.sealed, env.wraps[0].wrappedKey, patient.privateKey, AAD, bytes))).to.equal(hexlify(FHIR));
  });

  describe("content hash", () => {
    let env: Awaited<ReturnType<typeof sealRecord>>;
    before(async () => {
      env = await sealRecord(FHIR, AAD, [patient.publicKey]);
      wrapped = env.wraps[0].wrappedKey;
    });
    let wrapped: Uint8Array;

    it("a flipped bit anywhere in the sealed bytes → ContentHashMismatchError (checked before decrypting)", async () => {
      for (let bit = 0; bit < env.sealed.length * 8; bit++) {
        await expectRejects(
          openRecord(flipBit(env.sealed, bit), wrapped, patient.privateKey, AAD, env.contentHash),
          ContentHashMismatchError,
          "CONTENT_HASH_MISMATCH",
        );
      }
    });

    it("a different expected hash → ContentHashMismatchError; the message carries both (public) hashes", async () => {
      const other = (await sealRecord(FHIR, AAD, [patient.publicKey])).contentHash;
      const err = await expectRejects(
        openRecord(env.sealed, wrapped, patient.privateKey, AAD, other),
        ContentHashMismatchError,
        "CONTENT_HASH_MISMATCH",
      );
      expect(err.message).to.contain(other).and.to.contain(env.contentHash);
    });

    it("is checked before the private key is used: wrong hash + wrong key → ContentHashMismatchError", async () => {
      const other = (await sealRecord(FHIR, AAD, [patient.publicKey])).contentHash;
      await expectRejects(
        openRecord(env.sealed, wrapped, outsider.privateKey, AAD, other),
        ContentHashMismatchError,
        "CONTENT_HASH_MISMATCH",
      );
    });

    it("truncated or empty sealed bytes with an expected hash → ContentHashMismatchError", async () => {
      for (const cut of [new Uint8Array(0), env.sealed.slice(0, 10), env.sealed.slice(0, env.sealed.length - 1)]) {
        await expectRejects(
          openRecord(cut, wrapped, patient.privateKey, AAD, env.contentHash),
          ContentHashMismatchError,
          "CONTENT_HASH_MISMATCH",
        );
      }
    });

    it("a malformed expected hash → InvalidArgumentError", async () => {
      for (const bad of ["0x1234", env.contentHash.slice(2), `${env.contentHash}00`, new Uint8Array(31), 5]) {
        await expectRejects(
          openRecord(env.sealed, wrapped, patient.privateKey, AAD, bad as Uint8Array),
          InvalidArgumentError,
          "INVALID_ARGUMENT",
        );
      }
    });
  });

  describe("openRecord failures are typed", () => {
    let env: Awaited<ReturnType<typeof sealRecord>>;
    before(async () => {
      env = await sealRecord(FHIR, AAD, [patient.publicKey]);
      wrapped = env.wraps[0].wrappedKey;
    });
    let wrapped: Uint8Array;

    const others = [
      { ...AAD, chainId: 1n },
      { ...AAD, recordToken: "0x0000000000000000000000000000000000000001" },
      { ...AAD, tokenId: 43n },
      { ...AAD, version: 4n },
    ];

    it("a different record's coordinates → KeyUnwrapError: the wrap opens for its own record version only", async () => {
      for (const aad of others) {
        await expectRejects(openRecord(env.sealed, wrapped, patient.privateKey, aad, env.contentHash), KeyUnwrapError, "KEY_UNWRAP_FAILED");
      }
    });

    it("a different record's coordinates with the key re-wrapped for them → DecryptionError: the ciphertext's AAD binds them too", async () => {
      const dek = await unwrapKey(wrapped, patient.privateKey, AAD);
      for (const aad of others) {
        const rebound = await wrapKey(dek, patient.publicKey, aad);
        await expectRejects(openRecord(env.sealed, rebound, patient.privateKey, aad, env.contentHash), DecryptionError, "DECRYPTION_FAILED");
      }
      dek.fill(0);
    });

    it("a wrap from another record (another DEK) → DecryptionError", async () => {
      const other = await sealRecord(FHIR, AAD, [patient.publicKey]);
      await expectRejects(
        openRecord(env.sealed, other.wraps[0].wrappedKey, patient.privateKey, AAD, env.contentHash),
        DecryptionError,
        "DECRYPTION_FAILED",
      );
    });

    it("a tampered wrapped key → KeyUnwrapError", async () => {
      await expectRejects(
        openRecord(env.sealed, flipBit(wrapped, 500), patient.privateKey, AAD, env.contentHash),
        KeyUnwrapError,
        "KEY_UNWRAP_FAILED",
      );
    });

    it("empty, truncated or garbage sealed bytes (no expected hash) → InvalidEnvelopeError", async () => {
      const wrongVersion = Uint8Array.from(env.sealed);
      wrongVersion[0] = 2;
      for (const bad of [new Uint8Array(0), env.sealed.slice(0, 28), wrongVersion, randomBytes(5)]) {
        await expectRejects(openRecord(bad, wrapped, patient.privateKey, AAD), InvalidEnvelopeError, "INVALID_ENVELOPE");
      }
    });

    it("an empty or truncated wrapped key → InvalidEnvelopeError", async () => {
      for (const bad of [new Uint8Array(0), wrapped.slice(0, 92)]) {
        await expectRejects(
          openRecord(env.sealed, bad, patient.privateKey, AAD, env.contentHash),
          InvalidEnvelopeError,
          "INVALID_ENVELOPE",
        );
      }
    });

    it("a private key of the wrong length → InvalidKeyError", async () => {
      for (const n of [0, 31, 33]) {
        await expectRejects(
          openRecord(env.sealed, wrapped, new Uint8Array(n), AAD, env.contentHash),
          InvalidKeyError,
          "INVALID_KEY",
        );
      }
    });
  });

  describe("sealRecordUnhashed (the store's put hashes)", () => {
    it("seals as sealRecord does, without a content hash; every recipient opens it under the hash of its bytes", async () => {
      const env = await sealRecordUnhashed(FHIR, AAD, [patient.publicKey, resolver.publicKeyHex]);
      expect(Object.keys(env).sort()).to.deep.equal(["sealed", "wraps"]);
      expect(env.sealed.length).to.equal((await sealRecord(FHIR, AAD, [patient.publicKey])).sealed.length);
      for (const [i, party] of [patient, resolver].entries()) {
        expect(hexlify(env.wraps[i].recipient)).to.equal(party.publicKeyHex);
        const opened = await openRecord(env.sealed, env.wraps[i].wrappedKey, party.privateKey, AAD, sha256Hex(env.sealed));
        expect(hexlify(opened)).to.equal(hexlify(FHIR));
      }
      await expectRejects(openRecord(env.sealed, env.wraps[0].wrappedKey, patient.privateKey, { ...AAD, version: 2n }), KeyUnwrapError, "KEY_UNWRAP_FAILED");
    });

    it("checks its arguments as sealRecord does", async () => {
      await expectRejects(sealRecordUnhashed(FHIR, AAD, []), InvalidArgumentError, "INVALID_ARGUMENT");
      await expectRejects(sealRecordUnhashed(FHIR, AAD, [new Uint8Array(32)]), InvalidKeyError, "INVALID_KEY");
      await expectRejects(sealRecordUnhashed("text" as unknown as Uint8Array, AAD, [patient.publicKey]), InvalidArgumentError, "INVALID_ARGUMENT");
    });
  });

  describe("sealRecord argument checks", () => {
    it("no recipients → InvalidArgumentError", async () => {
      await expectRejects(sealRecord(FHIR, AAD, []), InvalidArgumentError, "INVALID_ARGUMENT");
    });

    it("a recipient key of the wrong length or of low order → InvalidKeyError", async () => {
      await expectRejects(sealRecord(FHIR, AAD, [patient.publicKey, new Uint8Array(31)]), InvalidKeyError, "INVALID_KEY");
      await expectRejects(sealRecord(FHIR, AAD, [patient.publicKey, new Uint8Array(32)]), InvalidKeyError, "INVALID_KEY");
    });

    it("a non-bytes plaintext or an invalid AAD field → InvalidArgumentError", async () => {
      await expectRejects(
        sealRecord("text" as unknown as Uint8Array, AAD, [patient.publicKey]),
        InvalidArgumentError,
        "INVALID_ARGUMENT",
      );
      await expectRejects(sealRecord(FHIR, { ...AAD, tokenId: -1n }, [patient.publicKey]), InvalidArgumentError, "INVALID_ARGUMENT");
    });

    it("does not modify the recipient keys it is given", async () => {
      const pub = Uint8Array.from(patient.publicKey);
      const env = await sealRecord(FHIR, AAD, [pub]);
      expect(hexlify(pub)).to.equal(patient.publicKeyHex);
      expect(hexlify(env.wraps[0].recipient)).to.equal(patient.publicKeyHex);
    });
  });

  it("benchEnvelope round-trips and reports its parameters (no timing assertions)", async () => {
    const result = await benchEnvelope({ payloadBytes: 2048, iterations: 2, recipients: 3 });
    expect(result).to.include({ payloadBytes: 2048, iterations: 2, recipients: 3 });
    expect(Number.isFinite(result.sealMs) && result.sealMs >= 0).to.equal(true);
    expect(Number.isFinite(result.openMs) && result.openMs >= 0).to.equal(true);
  });
});
