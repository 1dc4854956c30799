import { expect } from "chai";
import fc from "fast-check";
import { decodeWrappedKey, generateEncryptionKeyPair, unwrapKey, wrapKey, WRAPPED_KEY_LENGTH, type RecordAadFields } from "../../sdk/crypto";
import { InvalidKeyError, KeyUnwrapError } from "../../sdk/errors";
import { createKeyRewrapper } from "../../resolver/rewrap";

const binding = (tokenId: bigint, version: bigint): RecordAadFields => ({
  chainId: 31337n,
  recordToken: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  tokenId,
  version,
});

describe("resolver/rewrap: node:crypto re-wrap in the SDK's wrap format", () => {
  it("fast-check: what the SDK wrapped to the resolver re-wraps to a reader, and the SDK's unwrapKey opens it to the same key", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }), fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), async (dek, tokenId, version) => {
        const resolverKeys = generateEncryptionKeyPair();
        const reader = generateEncryptionKeyPair();
        const bound = binding(tokenId, version);
        const wrapped = await wrapKey(dek, resolverKeys.publicKey, bound);
        const released = createKeyRewrapper(resolverKeys.privateKey).rewrap(wrapped, reader.publicKey, bound);
        expect(released.length).to.equal(WRAPPED_KEY_LENGTH);
        expect([...(await unwrapKey(released, reader.privateKey, bound))]).to.deep.equal([...dek]);
        // A fresh ephemeral key per release: the released wrap shares nothing with the stored one.
        expect(Buffer.from(decodeWrappedKey(released).ephemeralPublicKey).equals(Buffer.from(decodeWrappedKey(wrapped).ephemeralPublicKey))).to.equal(false);
      }),
      { numRuns: 40 },
    );
  });

  it("the released wrap opens for its record version only", async () => {
    const resolverKeys = generateEncryptionKeyPair();
    const reader = generateEncryptionKeyPair();
    const wrapped = await wrapKey(new Uint8Array(32).fill(7), resolverKeys.publicKey, binding(1n, 1n));
    const released = createKeyRewrapper(resolverKeys.privateKey).rewrap(wrapped, reader.publicKey, binding(1n, 1n));
    await unwrapKey(released, reader.privateKey, binding(1n, 2n)).then(
      () => expect.fail("opened for another version"),
      (error) => expect(error).to.be.instanceOf(KeyUnwrapError),
    );
  });

  it("refuses a wrap of another key, another record version, or tampered bytes (KeyUnwrapError)", async () => {
    const resolverKeys = generateEncryptionKeyPair();
    const reader = generateEncryptionKeyPair();
    const rewrapper = createKeyRewrapper(resolverKeys.privateKey);
    const toOther = await wrapKey(new Uint8Array(32).fill(1), generateEncryptionKeyPair().publicKey, binding(1n, 1n));
    const good = await wrapKey(new Uint8Array(32).fill(1), resolverKeys.publicKey, binding(1n, 1n));
    const tampered = Uint8Array.from(good);
    tampered[60] ^= 1;
    for (const [wrapped, bound] of [[toOther, binding(1n, 1n)], [good, binding(1n, 2n)], [good, binding(2n, 1n)], [tampered, binding(1n, 1n)], [good.subarray(1), binding(1n, 1n)]] as const) {
      expect(() => rewrapper.rewrap(wrapped, reader.publicKey, bound)).to.throw(KeyUnwrapError);
    }
  });

  it("refuses a reader key that is not 32 bytes, not canonical, or of low order (InvalidKeyError), before unwrapping", async () => {
    const resolverKeys = generateEncryptionKeyPair();
    const rewrapper = createKeyRewrapper(resolverKeys.privateKey);
    const good = await wrapKey(new Uint8Array(32).fill(1), resolverKeys.publicKey, binding(1n, 1n));
    const nonCanonical = new Uint8Array(32).fill(0xff);
    nonCanonical[31] = 0x7f;
    const lowOrder = new Uint8Array(32); // u = 0
    const one = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0)); // u = 1, order 4
    for (const key of [new Uint8Array(31), nonCanonical, lowOrder, one]) {
      expect(() => rewrapper.rewrap(good, key, binding(1n, 1n))).to.throw(InvalidKeyError);
    }
    // The wrong-key check comes first: a bad reader key never gets an unwrap.
    expect(() => rewrapper.rewrap(new Uint8Array(93), nonCanonical, binding(1n, 1n))).to.throw(InvalidKeyError);
  });
});
