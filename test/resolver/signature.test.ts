import { expect } from "chai";
import fc from "fast-check";
import { Signature, Wallet, getBytes, hexlify, keccak256, recoverAddress, toBeHex } from "ethers";
import { isEcdsaSignatureOf, recoverSigner } from "../../resolver/signature";

/** secp256k1's group order: s and n − s verify alike, only the low one is canonical. */
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe("resolver/signature: ECDSA recovery through libsecp256k1", () => {
  it("fast-check: recovers what ethers recovers, for 65-byte and EIP-2098 compact signatures", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (key, message) => {
        fc.pre(key.some((b) => b !== 0));
        let wallet: Wallet;
        try {
          wallet = new Wallet(hexlify(key));
        } catch {
          return; // not a valid private key (≥ n)
        }
        const digest = keccak256(message);
        const signature = wallet.signingKey.sign(digest);
        for (const form of [signature.serialized, signature.compactSerialized]) {
          expect(recoverSigner(digest, form)).to.equal(recoverAddress(digest, form));
          expect(recoverSigner(digest, form)).to.equal(wallet.address);
          expect(isEcdsaSignatureOf(wallet.address, digest, form)).to.equal(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("refuses, without throwing: another signer, another digest, the high-s twin, a bad v, junk", () => {
    const wallet = Wallet.createRandom();
    const digest = keccak256("0x01");
    const signature = wallet.signingKey.sign(digest);
    expect(isEcdsaSignatureOf(Wallet.createRandom().address, digest, signature.serialized)).to.equal(false);
    expect(isEcdsaSignatureOf(wallet.address, keccak256("0x02"), signature.serialized)).to.equal(false);
    const highS = hexlify(new Uint8Array([...getBytes(signature.r), ...getBytes(toBeHex(N - BigInt(signature.s), 32)), signature.v === 27 ? 28 : 27]));
    expect(isEcdsaSignatureOf(wallet.address, digest, highS)).to.equal(false);
    const badV = hexlify(new Uint8Array([...getBytes(signature.serialized).slice(0, 64), 29]));
    expect(isEcdsaSignatureOf(wallet.address, digest, badV)).to.equal(false);
    for (const junk of ["0x", "0x1234", hexlify(new Uint8Array(65)), "not hex"]) expect(isEcdsaSignatureOf(wallet.address, digest, junk)).to.equal(false);
    expect(Signature.from(signature.serialized).s).to.equal(signature.s);
  });
});
