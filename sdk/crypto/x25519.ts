/**
 * X25519 (RFC 7748) for key wrapping: WebCrypto's X25519 where the runtime has it (Node ≥ 20, current browsers),
 * the audited `@noble/curves` implementation where it does not. The choice is made once, by a known-answer test of
 * the runtime's X25519, and cached.
 *
 * Private keys enter WebCrypto as non-extractable PKCS#8 keys; the PKCS#8 buffer is zeroised right after the import.
 *
 * @module
 * @internal
 */

import { x25519 as nobleX25519 } from "@noble/curves/ed25519";
import { subtle, type WebCryptoKey, type WebCryptoKeyPair } from "./webcrypto";

/** PKCS#8 DER prefix of an X25519 private key (RFC 8410); the 32 key bytes follow. */
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
/** The X25519 base point, u = 9. */
const BASE_POINT = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 9 : 0));

/** A private key ready for X25519: its public key and its shared secrets. */
export interface X25519PrivateKey {
  /** The public key of this private key (32 bytes). */
  readonly publicKey: Uint8Array;
  /** X25519(sk, pk); rejects on an all-zero result (a low-order public key). */
  sharedSecret(publicKey: Uint8Array): Promise<Uint8Array>;
  /** Zeroises whatever copy of the private key the backend holds in JavaScript memory. */
  dispose(): void;
}

/** The X25519 operations key wrapping needs. */
export interface X25519Backend {
  /** `"webcrypto"` or `"noble"`: which implementation runs. */
  readonly name: "webcrypto" | "noble";
  /** Loads a 32-byte private key (the input is not kept; zeroise it as usual). */
  privateKey(privateKey: Uint8Array): Promise<X25519PrivateKey>;
  /** A fresh ephemeral key pair. */
  ephemeral(): Promise<X25519PrivateKey>;
}

const toSource = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>;

async function importPrivate(privateKey: Uint8Array): Promise<WebCryptoKey> {
  const pkcs8 = new Uint8Array(PKCS8_PREFIX.length + 32);
  pkcs8.set(PKCS8_PREFIX);
  pkcs8.set(privateKey, PKCS8_PREFIX.length);
  try {
    return await subtle().importKey("pkcs8", toSource(pkcs8), { name: "X25519" }, false, ["deriveBits"]);
  } finally {
    pkcs8.fill(0);
  }
}

async function deriveWith(privateKey: WebCryptoKey, publicKey: Uint8Array): Promise<Uint8Array> {
  const s = subtle();
  const pub = await s.importKey("raw", toSource(publicKey), { name: "X25519" }, true, []);
  const shared = new Uint8Array(await s.deriveBits({ name: "X25519", public: pub }, privateKey, 256));
  assertNonZero(shared);
  return shared;
}

function assertNonZero(shared: Uint8Array): void {
  let acc = 0;
  for (let i = 0; i < shared.length; i++) acc |= shared[i];
  if (acc === 0) throw new Error("X25519 shared secret is all zero");
}

/** X25519 through `globalThis.crypto.subtle`. */
const webcryptoBackend: X25519Backend = {
  name: "webcrypto",
  async privateKey(privateKey) {
    const key = await importPrivate(privateKey);
    const publicKey = await deriveWith(key, BASE_POINT);
    return { publicKey, sharedSecret: (pk) => deriveWith(key, pk), dispose: () => undefined };
  },
  async ephemeral() {
    const s = subtle();
    const pair = (await s.generateKey({ name: "X25519" }, false, ["deriveBits"])) as WebCryptoKeyPair;
    const publicKey = new Uint8Array(await s.exportKey("raw", pair.publicKey));
    return { publicKey, sharedSecret: (pk) => deriveWith(pair.privateKey, pk), dispose: () => undefined };
  },
};

function nobleKey(secret: Uint8Array): X25519PrivateKey {
  return {
    publicKey: nobleX25519.getPublicKey(secret),
    sharedSecret: async (pk) => nobleX25519.getSharedSecret(secret, pk),
    dispose: () => secret.fill(0),
  };
}

/** X25519 through `@noble/curves` (pure JavaScript), for runtimes without WebCrypto X25519. */
const nobleBackend: X25519Backend = {
  name: "noble",
  async privateKey(privateKey) {
    return nobleKey(Uint8Array.from(privateKey));
  },
  async ephemeral() {
    return nobleKey(nobleX25519.utils.randomSecretKey());
  },
};

/** RFC 7748 §6.1: Alice's private key, Bob's public key and their shared secret. */
const KAT = {
  sk: "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
  alicePk: "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
  pk: "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
  shared: "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
};

const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g)!, (b) => parseInt(b, 16));
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Whether the runtime's WebCrypto computes X25519 correctly (RFC 7748 §6.1 vectors) and generates key pairs. */
async function webcryptoWorks(): Promise<boolean> {
  try {
    const alice = await webcryptoBackend.privateKey(fromHex(KAT.sk));
    if (!sameBytes(alice.publicKey, fromHex(KAT.alicePk))) return false;
    if (!sameBytes(await alice.sharedSecret(fromHex(KAT.pk)), fromHex(KAT.shared))) return false;
    const eph = await webcryptoBackend.ephemeral();
    return eph.publicKey.length === 32 && (await alice.sharedSecret(eph.publicKey)).length === 32;
  } catch {
    return false;
  }
}

let selected: Promise<X25519Backend> | undefined;

/**
 * The X25519 implementation of this runtime: WebCrypto when it passes a known-answer test, noble otherwise.
 * Detected once; later calls return the cached choice.
 * @internal
 */
export function x25519Backend(): Promise<X25519Backend> {
  selected ??= webcryptoWorks().then((ok) => (ok ? webcryptoBackend : nobleBackend));
  return selected;
}

/** The noble backend, for tests that compare both implementations. @internal */
export const NOBLE_X25519: X25519Backend = nobleBackend;
/** The WebCrypto backend, for tests that compare both implementations. @internal */
export const WEBCRYPTO_X25519: X25519Backend = webcryptoBackend;

/**
 * Replaces the detected backend (`undefined`: detect again on next use). For tests of the fallback path.
 * @internal
 */
export function selectX25519Backend(backend: X25519Backend | undefined): void {
  selected = backend === undefined ? undefined : Promise.resolve(backend);
}
