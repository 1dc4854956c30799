import { expect } from "chai";
import { createDecipheriv } from "node:crypto";
import { AbiCoder, getBytes, hexlify } from "ethers";
import {
  decodeSealedRecord,
  decryptRecord,
  DecryptionError,
  encodeSealedRecord,
  encryptRecord,
  generateDataKey,
  InvalidArgumentError,
  InvalidEnvelopeError,
  InvalidKeyError,
  randomBytes,
  SEALED_RECORD_OVERHEAD,
  type RecordAadFields,
} from "../../../sdk/crypto";
import { AAD, AAD_FIELD_BITS, expectMedrecError, expectRejects, flipAadField, flipBit, utf8 } from "./helpers";

const FHIR = utf8('{"resourceType":"Bundle","type":"collection","entry":[]}');

describe("sdk/crypto record encryption", () => {
  describe("round trip and format", () => {
    for (const size of [0, 1, 15, 16, 17, 1000, 64 * 1024]) {
      it(`encrypts and decrypts ${size} bytes`, async () => {
        const dek = generateDataKey();
        const plaintext = randomBytes(size);
        const sealed = await encryptRecord(plaintext, dek, AAD);
        expect(sealed.length).to.equal(SEALED_RECORD_OVERHEAD + size);
        expect(hexlify(await decryptRecord(sealed, dek, AAD))).to.equal(hexlify(plaintext));
      });
    }

    it("sealed record = 0x01 ‖ nonce(12) ‖ AES-256-GCM(DEK, nonce, AAD=abi.encode(...)) ‖ tag(16), per node:crypto", async () => {
      const dek = generateDataKey();
      const sealed = await encryptRecord(FHIR, dek, AAD);
      expect(SEALED_RECORD_OVERHEAD).to.equal(29);
      expect(sealed[0]).to.equal(0x01);
      // Decrypt with an independent implementation (OpenSSL) and an independently built AAD.
      const aad = getBytes(
        AbiCoder.defaultAbiCoder().encode(
          ["uint256", "address", "uint256", "uint64"],
          [AAD.chainId, AAD.recordToken, AAD.tokenId, AAD.version],
        ),
      );
      const decipher = createDecipheriv("aes-256-gcm", dek, sealed.subarray(1, 13));
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      const out = Buffer.concat([decipher.update(sealed.subarray(13, sealed.length - 16)), decipher.final()]);
      expect(hexlify(out)).to.equal(hexlify(FHIR));
    });

    it("encodeSealedRecord / decodeSealedRecord round-trip the parts", async () => {
      const sealed = await encryptRecord(FHIR, generateDataKey(), AAD);
      const parts = decodeSealedRecord(sealed);
      expect(parts.version).to.equal(1);
      expect(parts.nonce.length).to.equal(12);
      expect(parts.ciphertext.length).to.equal(FHIR.length + 16);
      expect(hexlify(encodeSealedRecord(parts))).to.equal(hexlify(sealed));
      expectMedrecError(() => encodeSealedRecord({ ...parts, version: 2 }), InvalidEnvelopeError, "INVALID_ENVELOPE");
      expectMedrecError(
        () => encodeSealedRecord({ ...parts, nonce: new Uint8Array(11) }),
        InvalidEnvelopeError,
        "INVALID_ENVELOPE",
      );
      expectMedrecError(
        () => encodeSealedRecord({ ...parts, ciphertext: new Uint8Array(15) }),
        InvalidEnvelopeError,
        "INVALID_ENVELOPE",
      );
    });

    it("uses a fresh nonce: two encryptions of the same plaintext under the same key differ", async () => {
      const dek = generateDataKey();
      const nonces = new Set<string>();
      const ciphertexts = new Set<string>();
      for (let i = 0; i < 32; i++) {
        const sealed = await encryptRecord(FHIR, dek, AAD);
        nonces.add(hexlify(sealed.subarray(1, 13)));
        ciphertexts.add(hexlify(sealed.subarray(13)));
      }
      expect(nonces.size).to.equal(32);
      expect(ciphertexts.size).to.equal(32);
    });

    it("accepts the DEK as 0x hex and never modifies the caller's DEK or plaintext", async () => {
      const dek = generateDataKey();
      const dekHex = hexlify(dek);
      const plaintext = Uint8Array.from(FHIR);
      const sealed = await encryptRecord(plaintext, dekHex, AAD);
      expect(hexlify(await decryptRecord(sealed, dek, AAD))).to.equal(hexlify(FHIR));
      expect(hexlify(await decryptRecord(sealed, dekHex, AAD))).to.equal(hexlify(FHIR));
      expect(hexlify(dek)).to.equal(dekHex);
      expect(hexlify(plaintext)).to.equal(hexlify(FHIR));
    });
  });

  describe("tampering fails with a typed error", () => {
    const dek = generateDataKey();
    let sealed: Awaited<ReturnType<typeof encryptRecord>>;
    before(async () => {
      sealed = await encryptRecord(FHIR, dek, AAD);
    });

    it("every bit of the version byte → InvalidEnvelopeError", async () => {
      for (let bit = 0; bit < 8; bit++) {
        await expectRejects(decryptRecord(flipBit(sealed, bit), dek, AAD), InvalidEnvelopeError, "INVALID_ENVELOPE");
      }
    });

    it("every bit of the nonce → DecryptionError", async () => {
      for (let bit = 8; bit < 13 * 8; bit++) {
        await expectRejects(decryptRecord(flipBit(sealed, bit), dek, AAD), DecryptionError, "DECRYPTION_FAILED");
      }
    });

    it("every bit of the ciphertext and tag → DecryptionError", async () => {
      for (let bit = 13 * 8; bit < sealed.length * 8; bit++) {
        await expectRejects(decryptRecord(flipBit(sealed, bit), dek, AAD), DecryptionError, "DECRYPTION_FAILED");
      }
    });

    for (const field of Object.keys(AAD_FIELD_BITS) as (keyof RecordAadFields)[]) {
      it(`every bit of the AAD field ${field} → DecryptionError`, async () => {
        for (let bit = 0; bit < AAD_FIELD_BITS[field]; bit++) {
          await expectRejects(
            decryptRecord(sealed, dek, flipAadField(AAD, field, bit)),
            DecryptionError,
            "DECRYPTION_FAILED",
          );
        }
      });
    }

    it("every bit of the DEK (a wrong key) → DecryptionError", async () => {
      for (let bit = 0; bit < 256; bit++) {
        await expectRejects(decryptRecord(sealed, flipBit(dek, bit), AAD), DecryptionError, "DECRYPTION_FAILED");
      }
    });

    it("appended bytes → DecryptionError", async () => {
      const longer = new Uint8Array(sealed.length + 1);
      longer.set(sealed);
      await expectRejects(decryptRecord(longer, dek, AAD), DecryptionError, "DECRYPTION_FAILED");
    });
  });

  describe("malformed envelopes → InvalidEnvelopeError", () => {
    const dek = generateDataKey();

    it("empty", async () => {
      await expectRejects(decryptRecord(new Uint8Array(0), dek, AAD), InvalidEnvelopeError, "INVALID_ENVELOPE");
    });

    it("truncated below the 29-byte minimum (every length 0..28); longer truncations fail authentication", async () => {
      const sealed = await encryptRecord(FHIR, dek, AAD);
      for (let len = 0; len < sealed.length; len++) {
        const cut = sealed.slice(0, len);
        if (len < SEALED_RECORD_OVERHEAD) {
          await expectRejects(decryptRecord(cut, dek, AAD), InvalidEnvelopeError, "INVALID_ENVELOPE");
        } else {
          await expectRejects(decryptRecord(cut, dek, AAD), DecryptionError, "DECRYPTION_FAILED");
        }
      }
    });

    it("garbage with an unknown version byte", async () => {
      for (const version of [0x00, 0x02, 0x7f, 0xff]) {
        const garbage = randomBytes(100);
        garbage[0] = version;
        await expectRejects(decryptRecord(garbage, dek, AAD), InvalidEnvelopeError, "INVALID_ENVELOPE");
      }
    });

    it("garbage with the right version byte fails authentication (DecryptionError)", async () => {
      const garbage = randomBytes(100);
      garbage[0] = 0x01;
      await expectRejects(decryptRecord(garbage, dek, AAD), DecryptionError, "DECRYPTION_FAILED");
    });

    it("not a Uint8Array", async () => {
      for (const bad of [null, undefined, "0x01", [1, 2, 3], 42]) {
        await expectRejects(decryptRecord(bad as unknown as Uint8Array, dek, AAD), InvalidEnvelopeError, "INVALID_ENVELOPE");
      }
    });
  });

  describe("bad keys and arguments", () => {
    let sealed: Awaited<ReturnType<typeof encryptRecord>>;
    before(async () => {
      sealed = await encryptRecord(FHIR, generateDataKey(), AAD);
    });
    const badKeys: [string, unknown][] = [
      ["0 bytes", new Uint8Array(0)],
      ["16 bytes (AES-128)", new Uint8Array(16)],
      ["31 bytes", new Uint8Array(31)],
      ["33 bytes", new Uint8Array(33)],
      ["64 bytes", new Uint8Array(64)],
      ["31-byte hex", `0x${"11".repeat(31)}`],
      ["malformed hex", `0x${"zz".repeat(32)}`],
      ["hex without 0x", "11".repeat(32)],
      ["a number", 5],
      ["null", null],
    ];
    for (const [name, key] of badKeys) {
      it(`a DEK of ${name} → InvalidKeyError on encrypt and on decrypt`, async () => {
        await expectRejects(encryptRecord(FHIR, key as Uint8Array, AAD), InvalidKeyError, "INVALID_KEY");
        await expectRejects(decryptRecord(sealed, key as Uint8Array, AAD), InvalidKeyError, "INVALID_KEY");
      });
    }

    it("a plaintext that is not a Uint8Array → InvalidArgumentError", async () => {
      for (const bad of ["text", null, undefined, [1, 2], 7]) {
        await expectRejects(
          encryptRecord(bad as unknown as Uint8Array, generateDataKey(), AAD),
          InvalidArgumentError,
          "INVALID_ARGUMENT",
        );
      }
    });

    it("invalid AAD fields → InvalidArgumentError on encrypt and on decrypt", async () => {
      const dek = generateDataKey();
      const good = await encryptRecord(FHIR, dek, AAD);
      const bad = { ...AAD, version: -1n };
      await expectRejects(encryptRecord(FHIR, dek, bad), InvalidArgumentError, "INVALID_ARGUMENT");
      await expectRejects(decryptRecord(good, dek, bad), InvalidArgumentError, "INVALID_ARGUMENT");
    });
  });
});
