import { expect } from "chai";
import fc from "fast-check";
import { hexlify } from "ethers";
import {
  ContentHashMismatchError,
  decryptRecord,
  DecryptionError,
  encryptRecord,
  generateDataKey,
  generateEncryptionKeyPair,
  InvalidEnvelopeError,
  KeyUnwrapError,
  openRecord,
  rewrapKey,
  SEALED_RECORD_OVERHEAD,
  sealRecord,
  unwrapKey,
  wrapKey,
  WRAPPED_KEY_LENGTH,
  type RecordAadFields,
} from "../../../sdk/crypto";
import { AAD, AAD_FIELD_BITS, expectMedrecError, expectRejects, flipAadField, flipBit } from "./helpers";

const UINT256_MAX = (1n << 256n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;
const MAX_PAYLOAD = 64 * 1024;

/** Payloads of 0..64 KiB: tiny (around the 16-byte block), up to 1 KiB, 1 KiB..64 KiB, and the bounds 0 and 64 KiB. */
const payloadArb = fc.oneof(
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 1024, size: "max" }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1025, maxLength: MAX_PAYLOAD, size: "max" }) },
  { weight: 1, arbitrary: fc.constantFrom(new Uint8Array(0), new Uint8Array(MAX_PAYLOAD).fill(0xa5)) },
);

const aadArb: fc.Arbitrary<RecordAadFields> = fc.record({
  chainId: fc.oneof(fc.bigInt({ min: 0n, max: UINT256_MAX }), fc.constantFrom(1n, 260n, 300n, 324n)),
  recordToken: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => hexlify(b)),
  tokenId: fc.oneof(fc.bigInt({ min: 0n, max: UINT256_MAX }), fc.constant(UINT256_MAX)),
  version: fc.bigInt({ min: 0n, max: UINT64_MAX }),
});

const aadFieldArb = fc.constantFrom(...(Object.keys(AAD_FIELD_BITS) as (keyof RecordAadFields)[]));

describe("sdk/crypto properties (fast-check)", () => {
  it("decryptRecord(encryptRecord(p, k, aad), k, aad) = p for payloads of 0..64 KiB and any AAD", async () => {
    await fc.assert(
      fc.asyncProperty(payloadArb, aadArb, async (plaintext, aad) => {
        const dek = generateDataKey();
        const sealed = await encryptRecord(plaintext, dek, aad);
        expect(sealed.length).to.equal(plaintext.length + SEALED_RECORD_OVERHEAD);
        expect(Buffer.from(await decryptRecord(sealed, dek, aad)).equals(Buffer.from(plaintext))).to.equal(true);
      }),
      { numRuns: 100 },
    );
  });

  it("sealRecord → openRecord works for each of 1..3 recipients", async () => {
    const parties = [generateEncryptionKeyPair(), generateEncryptionKeyPair(), generateEncryptionKeyPair()];
    await fc.assert(
      fc.asyncProperty(payloadArb, aadArb, fc.integer({ min: 1, max: 3 }), async (plaintext, aad, n) => {
        const env = await sealRecord(plaintext, aad, parties.slice(0, n).map((p) => p.publicKey));
        expect(env.wraps).to.have.length(n);
        for (let i = 0; i < n; i++) {
          const opened = await openRecord(env.sealed, env.wraps[i].wrappedKey, parties[i].privateKey, aad, env.contentHash);
          expect(Buffer.from(opened).equals(Buffer.from(plaintext))).to.equal(true);
        }
      }),
      { numRuns: 30 },
    );
  });

  it("any single flipped bit of a sealed record fails with InvalidEnvelopeError (version byte) or DecryptionError", async () => {
    await fc.assert(
      fc.asyncProperty(payloadArb, aadArb, fc.nat(), async (plaintext, aad, seed) => {
        const dek = generateDataKey();
        const sealed = await encryptRecord(plaintext, dek, aad);
        const bit = seed % (sealed.length * 8);
        const tampered = flipBit(sealed, bit);
        if (bit < 8) await expectRejects(decryptRecord(tampered, dek, aad), InvalidEnvelopeError, "INVALID_ENVELOPE");
        else await expectRejects(decryptRecord(tampered, dek, aad), DecryptionError, "DECRYPTION_FAILED");
      }),
      { numRuns: 200 },
    );
  });

  it("any single flipped bit of any AAD field fails with DecryptionError", async () => {
    await fc.assert(
      fc.asyncProperty(payloadArb, aadArb, aadFieldArb, fc.nat(), async (plaintext, aad, field, seed) => {
        const dek = generateDataKey();
        const sealed = await encryptRecord(plaintext, dek, aad);
        const wrong = flipAadField(aad, field, seed % AAD_FIELD_BITS[field]);
        await expectRejects(decryptRecord(sealed, dek, wrong), DecryptionError, "DECRYPTION_FAILED");
      }),
      { numRuns: 200 },
    );
  });

  it("any truncation of a sealed record fails with InvalidEnvelopeError (< 29 bytes) or DecryptionError", async () => {
    await fc.assert(
      fc.asyncProperty(payloadArb, aadArb, fc.nat(), async (plaintext, aad, seed) => {
        const dek = generateDataKey();
        const sealed = await encryptRecord(plaintext, dek, aad);
        const len = seed % sealed.length;
        const cut = sealed.slice(0, len);
        if (len < SEALED_RECORD_OVERHEAD) await expectRejects(decryptRecord(cut, dek, aad), InvalidEnvelopeError, "INVALID_ENVELOPE");
        else await expectRejects(decryptRecord(cut, dek, aad), DecryptionError, "DECRYPTION_FAILED");
      }),
      { numRuns: 100 },
    );
  });

  it("any single flipped bit of a sealed record is caught by the content hash first", async () => {
    const party = generateEncryptionKeyPair();
    await fc.assert(
      fc.asyncProperty(payloadArb, aadArb, fc.nat(), async (plaintext, aad, seed) => {
        const env = await sealRecord(plaintext, aad, [party.publicKey]);
        const tampered = flipBit(env.sealed, seed % (env.sealed.length * 8));
        await expectRejects(
          openRecord(tampered, env.wraps[0].wrappedKey, party.privateKey, aad, env.contentHash),
          ContentHashMismatchError,
          "CONTENT_HASH_MISMATCH",
        );
      }),
      { numRuns: 60 },
    );
  });

  it("any single flipped bit of a wrapped key fails with InvalidEnvelopeError (version byte) or KeyUnwrapError", async () => {
    const party = generateEncryptionKeyPair();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: WRAPPED_KEY_LENGTH * 8 - 1 }), async (bit) => {
        const wrapped = await wrapKey(generateDataKey(), party.publicKey, AAD);
        const tampered = flipBit(wrapped, bit);
        if (bit < 8) await expectRejects(unwrapKey(tampered, party.privateKey, AAD), InvalidEnvelopeError, "INVALID_ENVELOPE");
        else await expectRejects(unwrapKey(tampered, party.privateKey, AAD), KeyUnwrapError, "KEY_UNWRAP_FAILED");
      }),
      { numRuns: 200 },
    );
  });

  it("wrap/unwrap/rewrap preserve any DEK, and a wrap never opens for another key", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), async (dek) => {
        const [holder, newcomer, stranger] = [0, 1, 2].map(() => generateEncryptionKeyPair());
        const wrapped = await wrapKey(dek, holder.publicKey, AAD);
        expect(hexlify(await unwrapKey(wrapped, holder.privateKey, AAD))).to.equal(hexlify(dek));
        const rewrapped = await rewrapKey(wrapped, holder.privateKey, newcomer.publicKey, AAD);
        expect(hexlify(await unwrapKey(rewrapped, newcomer.privateKey, AAD))).to.equal(hexlify(dek));
        expect(hexlify(await unwrapKey(wrapped, holder.privateKey, AAD))).to.equal(hexlify(dek));
        await expectRejects(unwrapKey(wrapped, stranger.privateKey, AAD), KeyUnwrapError, "KEY_UNWRAP_FAILED");
        await expectRejects(unwrapKey(rewrapped, stranger.privateKey, AAD), KeyUnwrapError, "KEY_UNWRAP_FAILED");
      }),
      { numRuns: 40, examples: [[new Uint8Array(32)], [new Uint8Array(32).fill(0xff)]] },
    );
  });

  it("a wrap opens only for the record version it was made for: any flipped bit of chain id, RecordToken, token id or version fails", async () => {
    const party = generateEncryptionKeyPair();
    const fields = Object.keys(AAD_FIELD_BITS) as (keyof typeof AAD_FIELD_BITS)[];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), fc.nat(), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (field, n, dek) => {
        const wrapped = await wrapKey(dek, party.publicKey, AAD);
        const other = flipAadField(AAD, field, n % AAD_FIELD_BITS[field]);
        await expectRejects(unwrapKey(wrapped, party.privateKey, other), KeyUnwrapError, "KEY_UNWRAP_FAILED");
        // A re-wrap for the resolver's reader keeps the binding: it too opens for the original version only.
        const reader = generateEncryptionKeyPair();
        const released = await rewrapKey(wrapped, party.privateKey, reader.publicKey, AAD);
        expect(hexlify(await unwrapKey(released, reader.privateKey, AAD))).to.equal(hexlify(dek));
        await expectRejects(unwrapKey(released, reader.privateKey, other), KeyUnwrapError, "KEY_UNWRAP_FAILED");
        await expectRejects(rewrapKey(wrapped, party.privateKey, reader.publicKey, other), KeyUnwrapError, "KEY_UNWRAP_FAILED");
      }),
      { numRuns: 80 },
    );
  });
});
