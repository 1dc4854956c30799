import { expect } from "chai";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { hexlify } from "ethers";
import {
  generateDataKey,
  generateEncryptionKeyPair,
  getEncryptionPublicKey,
  InvalidKeyError,
} from "../../../sdk/crypto";
import { expectMedrecError } from "./helpers";

/** X25519 public key of a raw private key, computed by node:crypto (OpenSSL), independent of noble. */
function nodeX25519PublicKey(privateKey: Uint8Array): string {
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), privateKey]);
  const spki = createPublicKey(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).export({
    format: "der",
    type: "spki",
  });
  return hexlify(spki.subarray(spki.length - 32));
}

describe("sdk/crypto keys", () => {
  it("generateEncryptionKeyPair returns a 32-byte X25519 pair that OpenSSL agrees with", () => {
    for (let i = 0; i < 5; i++) {
      const { privateKey, publicKey, publicKeyHex } = generateEncryptionKeyPair();
      expect(privateKey).to.be.instanceOf(Uint8Array);
      expect(privateKey.length).to.equal(32);
      expect(publicKey.length).to.equal(32);
      expect(hexlify(publicKey)).to.equal(nodeX25519PublicKey(privateKey));
      expect(publicKeyHex).to.equal(hexlify(publicKey));
      expect(hexlify(getEncryptionPublicKey(privateKey))).to.equal(publicKeyHex);
      expect(hexlify(getEncryptionPublicKey(hexlify(privateKey)))).to.equal(publicKeyHex);
    }
  });

  it("generates a different key pair every time", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const { privateKey, publicKeyHex } = generateEncryptionKeyPair();
      seen.add(hexlify(privateKey));
      seen.add(publicKeyHex);
    }
    expect(seen.size).to.equal(40);
  });

  it("generateDataKey returns 32 random bytes, different every time", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const dek = generateDataKey();
      expect(dek).to.be.instanceOf(Uint8Array);
      expect(dek.length).to.equal(32);
      seen.add(hexlify(dek));
    }
    expect(seen.size).to.equal(50);
  });

  it("getEncryptionPublicKey rejects wrong-length and malformed private keys with InvalidKeyError", () => {
    for (const bad of [new Uint8Array(0), new Uint8Array(31), new Uint8Array(33), "0x1234", "0xzz", "abc", 7]) {
      expectMedrecError(() => getEncryptionPublicKey(bad as Uint8Array), InvalidKeyError, "INVALID_KEY");
    }
  });

  it("getEncryptionPublicKey does not modify the private key it is given", () => {
    const { privateKey } = generateEncryptionKeyPair();
    const before = hexlify(privateKey);
    getEncryptionPublicKey(privateKey);
    expect(hexlify(privateKey)).to.equal(before);
  });
});
