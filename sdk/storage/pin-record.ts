/**
 * The bytes of one pin record of {@link HeliaContentStore}: which blocks one stored object's DAG holds.
 *
 * Format (version 1): `0x01 ‖ count (uint32, big-endian) ‖ CID(root) ‖ CID(block)…`, each CID in its binary form
 * (self-delimiting: version, codec and multihash are varint-prefixed); the count makes a truncated record an error
 * rather than a shorter list. The root comes first and is listed once; every block of the DAG follows
 * once, whatever its position in the DAG (an object of repeated chunks lists the repeated leaf once). Blocks are
 * distinct by multihash, as the blockstore files them. A record holds CIDs only, never payload bytes.
 *
 * @module
 */
import type { CID } from "multiformats/cid";
import { assertBlockCid } from "./cid";
import { loadEsm } from "./esm";
import { ContentIntegrityError, UnsupportedCidError } from "./errors";

/** First byte of a pin record of this format. */
export const PIN_RECORD_VERSION = 0x01;
/** Version byte and block count. */
const HEADER_LENGTH = 5;

/** The blockstore's identity of a block: its multihash (a raw and a dag-pb CID of the same bytes are one file). */
export function blockKey(cid: CID): string {
  return Buffer.from(cid.multihash.bytes).toString("base64");
}

/**
 * The DAG's blocks, root first, each multihash once.
 * @param root The object's root CID.
 * @param blocks Every block of the DAG, in any order, repeats allowed (the root may be among them).
 * @returns `[root, …the other distinct blocks in their first order]`.
 */
export function distinctBlocks(root: CID, blocks: Iterable<CID>): CID[] {
  const seen = new Set([blockKey(root)]);
  const out = [root];
  for (const cid of blocks) {
    const key = blockKey(cid);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(cid);
  }
  return out;
}

/**
 * Encodes the pin record of `root`.
 * @param root The object's root CID.
 * @param blocks Every block of its DAG (repeats and the root itself allowed; see {@link distinctBlocks}).
 * @returns The record bytes.
 */
export function encodePinRecord(root: CID, blocks: Iterable<CID>): Uint8Array {
  const cids = distinctBlocks(root, blocks);
  let length = HEADER_LENGTH;
  for (const cid of cids) length += cid.bytes.length;
  const out = new Uint8Array(length);
  out[0] = PIN_RECORD_VERSION;
  new DataView(out.buffer).setUint32(1, cids.length);
  let offset = HEADER_LENGTH;
  for (const cid of cids) {
    out.set(cid.bytes, offset);
    offset += cid.bytes.length;
  }
  return out;
}

/** A decoded pin record. */
export interface PinRecord {
  readonly root: CID;
  /** The root and every other block of its DAG, root first, each multihash once. */
  readonly blocks: readonly CID[];
}

/**
 * Decodes a pin record.
 * @param bytes The record bytes.
 * @param name Where the record came from (its file), for the error message.
 * @returns Its root and blocks.
 * @throws {ContentIntegrityError} If the record is of an unknown version, truncated or longer than its count says,
 *   lists no block or a block twice, or holds a CID no store of medrec writes (not SHA2-256 raw/dag-pb).
 */
export async function decodePinRecord(bytes: Uint8Array, name: string): Promise<PinRecord> {
  const { CID: CidClass } = await loadEsm("multiformats/cid");
  if (bytes.length < HEADER_LENGTH || bytes[0] !== PIN_RECORD_VERSION) {
    throw new ContentIntegrityError(name, `pin record of ${bytes.length} bytes, version ${bytes[0] ?? "none"}`);
  }
  const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1);
  if (count === 0) throw new ContentIntegrityError(name, "pin record lists no block");
  const blocks: CID[] = [];
  const seen = new Set<string>();
  let rest = bytes.subarray(HEADER_LENGTH);
  while (blocks.length < count) {
    let cid: CID;
    try {
      [cid, rest] = CidClass.decodeFirst(rest);
      assertBlockCid(cid);
    } catch (err) {
      const reason = err instanceof UnsupportedCidError ? err.reason : "truncated or malformed CID";
      throw new ContentIntegrityError(name, `pin record: ${reason}`, { cause: err });
    }
    const key = blockKey(cid);
    if (seen.has(key)) throw new ContentIntegrityError(name, `pin record lists ${cid.toString()} twice`);
    seen.add(key);
    blocks.push(cid);
  }
  if (rest.length > 0) throw new ContentIntegrityError(name, `pin record has ${rest.length} bytes after its ${count} CIDs`);
  return { root: blocks[0], blocks };
}
