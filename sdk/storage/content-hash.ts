/**
 * The whole-object check of `get`: SHA-256 of the reassembled bytes against the hash recorded on-chain.
 *
 * @module
 */
import { contentHash } from "../crypto";
import { ContentHashMismatchError, InvalidArgumentError } from "./errors";
import type { ContentHash } from "./types";

const CONTENT_HASH_RE = /^0x[0-9a-fA-F]{64}$/;

/**
 * Normalises an expected content hash to lowercase `0x` hex.
 * @param expected `0x` + 64 hex digits (either case).
 * @returns The same hash in lowercase.
 * @throws {InvalidArgumentError} If `expected` is not `0x` + 64 hex digits.
 */
export function normaliseContentHash(expected: string): ContentHash {
  if (typeof expected !== "string" || !CONTENT_HASH_RE.test(expected)) {
    throw new InvalidArgumentError("expectedContentHash must be 0x followed by 64 hex digits");
  }
  return expected.toLowerCase() as ContentHash;
}

/**
 * Throws unless `bytes` hash to `expected` (when given).
 * @param bytes The reassembled object.
 * @param expected The SHA-256 recorded on-chain, or `undefined` to skip the check.
 * @param cid The object's CID, for the error message.
 * @returns A Promise (SHA-256 runs in WebCrypto); resolves when the hashes match or no hash is expected.
 * @throws {ContentHashMismatchError} If the hashes differ (the message carries both hashes, which are public).
 * @throws {InvalidArgumentError} If `expected` is malformed.
 */
export async function checkContentHash(bytes: Uint8Array, expected: string | undefined, cid: string): Promise<void> {
  if (expected === undefined) return;
  const want = normaliseContentHash(expected);
  const got = await contentHash(bytes);
  if (got !== want) {
    throw new ContentHashMismatchError(`content hash of ${cid} is ${got}, expected ${want}`);
  }
}
