import { expect } from "chai";
import { hexlify } from "ethers";
import {
  ContentHashMismatchError,
  DecryptionError,
  InvalidArgumentError,
  InvalidEnvelopeError,
  InvalidKeyError,
  KeyUnwrapError,
  MedrecError,
} from "../../../sdk/errors";
import {
  decryptRecord,
  encryptRecord,
  generateDataKey,
  generateEncryptionKeyPair,
  openRecord,
  rewrapKey,
  sealRecord,
  unwrapKey,
  wrapKey,
  getEncryptionPublicKey,
} from "../../../sdk/crypto";
import { AAD, flipBit, utf8 } from "./helpers";

describe("sdk/errors and crypto error hygiene", () => {
  it("each error class has its code, its name, and is a MedrecError and an Error", async () => {
    const cases: [MedrecError, Function, string, string][] = [
      [new DecryptionError(), DecryptionError, "DECRYPTION_FAILED", "DecryptionError"],
      [new KeyUnwrapError(), KeyUnwrapError, "KEY_UNWRAP_FAILED", "KeyUnwrapError"],
      [new InvalidKeyError(), InvalidKeyError, "INVALID_KEY", "InvalidKeyError"],
      [new InvalidEnvelopeError(), InvalidEnvelopeError, "INVALID_ENVELOPE", "InvalidEnvelopeError"],
      [new ContentHashMismatchError(), ContentHashMismatchError, "CONTENT_HASH_MISMATCH", "ContentHashMismatchError"],
      [new InvalidArgumentError(), InvalidArgumentError, "INVALID_ARGUMENT", "InvalidArgumentError"],
    ];
    const codes = new Set<string>();
    for (const [err, cls, code, name] of cases) {
      expect(err).to.be.instanceOf(cls);
      expect(err).to.be.instanceOf(MedrecError);
      expect(err).to.be.instanceOf(Error);
      expect(err.code).to.equal(code);
      expect(err.name).to.equal(name);
      expect(err.message).to.be.a("string").and.not.equal("");
      expect(String(err)).to.contain(name);
      codes.add(err.code);
    }
    expect(codes.size).to.equal(cases.length);
    // Subclasses are distinct: a DecryptionError is not a KeyUnwrapError.
    expect(new DecryptionError()).to.not.be.instanceOf(KeyUnwrapError);
  });

  it("MedrecError keeps a code, a category and a cause", async () => {
    const cause = new Error("inner");
    const err = new MedrecError("SOME_CODE", "unavailable", "outer", { cause });
    expect(err.code).to.equal("SOME_CODE");
    expect(err.category).to.equal("unavailable");
    expect(err.message).to.equal("outer");
    expect(err.cause).to.equal(cause);
    expect(err.name).to.equal("MedrecError");
  });

  it("no error thrown by sdk/crypto carries key material or plaintext (message, stack, cause)", async () => {
    const dek = generateDataKey();
    const patient = generateEncryptionKeyPair();
    const other = generateEncryptionKeyPair();
    const secretText = "PATIENT-SECRET-DIAGNOSIS-7f3a9c";
    const plaintext = utf8(secretText);
    const sealed = await encryptRecord(plaintext, dek, AAD);
    const wrapped = await wrapKey(dek, patient.publicKey, AAD);
    const env = await sealRecord(plaintext, AAD, [patient.publicKey]);
    const envDek = await unwrapKey(env.wraps[0].wrappedKey, patient.privateKey, AAD);
    const shortDek = dek.slice(0, 31);
    const shortPriv = patient.privateKey.slice(0, 31);

    const failing: (() => unknown)[] = [
      async () => await decryptRecord(flipBit(sealed, 200), dek, AAD),
      async () => await decryptRecord(sealed, flipBit(dek, 0), AAD),
      async () => await decryptRecord(sealed, dek, { ...AAD, version: 9n }),
      async () => await decryptRecord(sealed.slice(0, 5), dek, AAD),
      async () => await decryptRecord(sealed, shortDek, AAD),
      async () => await decryptRecord(sealed, hexlify(shortDek), AAD),
      async () => await encryptRecord(plaintext, shortDek, AAD),
      async () => await unwrapKey(wrapped, other.privateKey, AAD),
      async () => await unwrapKey(flipBit(wrapped, 400), patient.privateKey, AAD),
      async () => await unwrapKey(wrapped, shortPriv, AAD),
      async () => await unwrapKey(wrapped, hexlify(shortPriv), AAD),
      async () => await unwrapKey(wrapped.slice(1), patient.privateKey, AAD),
      () => getEncryptionPublicKey(shortPriv),
      async () => await wrapKey(shortDek, patient.publicKey, AAD),
      async () => await wrapKey(dek, new Uint8Array(32), AAD),
      async () => await rewrapKey(wrapped, other.privateKey, other.publicKey, AAD),
      async () => await openRecord(env.sealed, env.wraps[0].wrappedKey, patient.privateKey, { ...AAD, tokenId: 1n }),
      async () => await openRecord(flipBit(env.sealed, 9), env.wraps[0].wrappedKey, patient.privateKey, AAD, env.contentHash),
      async () => await openRecord(env.sealed, env.wraps[0].wrappedKey, other.privateKey, AAD),
    ];

    // Any 8-byte window of a secret, in either hex case, or any 8 characters of the plaintext.
    const windows = (hex: string) => {
      const out: string[] = [];
      for (let i = 0; i + 16 <= hex.length; i += 2) out.push(hex.slice(i, i + 16));
      return out;
    };
    const secrets = [dek, envDek, patient.privateKey, other.privateKey].flatMap((k) => windows(hexlify(k).slice(2)));
    const textWindows = Array.from({ length: secretText.length - 7 }, (_, i) => secretText.slice(i, i + 8));

    for (const [i, fn] of failing.entries()) {
      let err: unknown;
      try {
        await fn();
      } catch (e) {
        err = e;
      }
      expect(err, `case ${i} should throw`).to.be.instanceOf(MedrecError);
      const e = err as MedrecError;
      expect(e.cause, `case ${i} cause`).to.equal(undefined);
      const rendered = `${e.message}\n${e.stack ?? ""}\n${String(e)}\n${JSON.stringify(e)}`.toLowerCase();
      for (const s of secrets) expect(rendered, `case ${i} (${e.code})`).to.not.contain(s);
      for (const t of textWindows) expect(rendered, `case ${i} (${e.code})`).to.not.contain(t.toLowerCase());
    }
  });
});
