/**
 * Byte helpers of `sdk/crypto`: hex conversion, concatenation, fixed-width integers and input
 * normalisation. Hex strings in the SDK are `0x`-prefixed, lowercase on output, either case on input.
 *
 * @module
 */

import { InvalidArgumentError, InvalidKeyError } from "../errors";

/** Bytes given either as a `Uint8Array` or as a `0x`-prefixed hex string. */
export type BytesLike = Uint8Array | string;

const HEX_RE = /^0x(?:[0-9a-fA-F]{2})*$/;

/** `HEX_DIGITS[b]` = the two lowercase hex digits of byte `b`. */
const HEX_DIGITS: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/**
 * Encodes bytes as a lowercase `0x`-prefixed hex string.
 * @param bytes The bytes to encode.
 * @returns `0x` followed by two lowercase hex digits per byte.
 */
export function bytesToHex(bytes: Uint8Array): `0x${string}` {
  let hex = "0x";
  for (let i = 0; i < bytes.length; i++) hex += HEX_DIGITS[bytes[i]];
  return hex as `0x${string}`;
}

/**
 * Decodes a `0x`-prefixed hex string with an even number of digits (either case).
 * @param hex The hex string.
 * @returns A new `Uint8Array`.
 * @throws {InvalidArgumentError} If `hex` is not `0x`-prefixed, even-length hex.
 */
export function hexToBytes(hex: string): Uint8Array {
  if (typeof hex !== "string" || !HEX_RE.test(hex)) {
    throw new InvalidArgumentError("expected a 0x-prefixed hex string with an even number of digits");
  }
  return decodeHexDigits(hex);
}

/**
 * Decodes the digits after `0x` of a string the caller has already checked against {@link HEX_RE}
 * (`0x`, an even number of hex digits, either case). Uses no `Buffer`, so it runs in a browser. @internal
 */
export function decodeHexDigits(hex: string): Uint8Array {
  const out = new Uint8Array((hex.length - 2) / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}

/** Most bytes one `getRandomValues` call may fill (WebCrypto's quota). */
const RANDOM_CHUNK = 65_536;

/**
 * Cryptographically secure random bytes from WebCrypto (`globalThis.crypto.getRandomValues`).
 * @param length Number of bytes (a non-negative safe integer).
 * @returns `length` fresh random bytes.
 * @throws {InvalidArgumentError} If `length` is not a non-negative safe integer or the runtime has no WebCrypto.
 */
export function randomBytes(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) throw new InvalidArgumentError("randomBytes needs a non-negative integer length");
  const webcrypto = globalThis.crypto;
  if (typeof webcrypto?.getRandomValues !== "function") {
    throw new InvalidArgumentError("WebCrypto (globalThis.crypto.getRandomValues) is not available in this runtime");
  }
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += RANDOM_CHUNK) {
    webcrypto.getRandomValues(out.subarray(offset, Math.min(length, offset + RANDOM_CHUNK)));
  }
  return out;
}

/** Concatenates byte arrays into a new array. @internal */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Constant-time-per-length equality of two byte arrays. @internal */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * Writes `value` as an unsigned big-endian integer of exactly `width` bytes.
 * The caller has checked that `0 <= value < 2^(8*width)`. @internal
 */
export function uintToBytes(value: bigint, width: number): Uint8Array {
  const out = new Uint8Array(width);
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * Copies a key given as bytes or hex into a fresh array of exactly `length` bytes. The copy is the
 * caller's to zeroise; the input is never modified. @internal
 * @throws {InvalidKeyError} On a wrong type, malformed hex or a wrong length (the message names the
 *   kind of key and the lengths, never the key).
 */
export function copyKey(key: BytesLike, length: number, what: string): Uint8Array {
  let bytes: Uint8Array;
  if (key instanceof Uint8Array) {
    bytes = Uint8Array.from(key);
  } else if (typeof key === "string") {
    if (!HEX_RE.test(key)) throw new InvalidKeyError(`${what} hex string is malformed`);
    bytes = decodeHexDigits(key);
  } else {
    throw new InvalidKeyError(`${what} must be a Uint8Array or a 0x-prefixed hex string`);
  }
  if (bytes.length !== length) {
    const got = bytes.length;
    bytes.fill(0);
    throw new InvalidKeyError(`${what} must be ${length} bytes, got ${got}`);
  }
  return bytes;
}

/** Zeroises every given array in place. @internal */
export function wipe(...arrays: (Uint8Array | undefined)[]): void {
  for (const a of arrays) a?.fill(0);
}
