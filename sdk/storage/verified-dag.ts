/**
 * Reads a stored UnixFS file back, verifying every block against its CID.
 *
 * Used by every store on every `get`: a block is accepted only if its SHA-256 equals the digest in the CID that
 * linked to it, so the reassembled bytes are exactly the bytes that were stored under the root CID.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { CID } from "multiformats/cid";
import { DAG_PB_CODEC, RAW_CODEC, SHA2_256_CODE } from "./cid";
import { loadEsm } from "./esm";
import { ContentIntegrityError, ContentNotFoundError, UnsupportedCidError } from "./errors";

/** Returns a block's bytes exactly as stored, or `undefined` if the store does not hold it. */
export type BlockReader = (cid: CID) => Promise<Uint8Array | undefined>;

/** Deepest DAG accepted (a balanced 1024-ary DAG of 1 MiB chunks is 3 levels deep at 1 TiB). */
const MAX_DEPTH = 32;

/**
 * Throws unless `bytes` hash (SHA2-256) to the digest in `cid`.
 * @param cid The block's CID.
 * @param bytes The block's bytes.
 * @throws {ContentIntegrityError} On a different digest or a hash function other than SHA2-256.
 */
export function verifyBlock(cid: CID, bytes: Uint8Array): void {
  if (cid.multihash.code !== SHA2_256_CODE) {
    throw new ContentIntegrityError(cid.toString(), `block hashed with multihash 0x${cid.multihash.code.toString(16)}`);
  }
  const digest = createHash("sha256").update(bytes).digest();
  if (!digest.equals(cid.multihash.digest)) {
    throw new ContentIntegrityError(cid.toString(), "block bytes do not hash to the CID's SHA-256 digest");
  }
}

/**
 * Walks the UnixFS file DAG under `root` depth-first, verifies every block ({@link verifyBlock}) and returns the
 * file's bytes.
 * @param root The root CID (already checked to be CIDv1 raw/dag-pb SHA-256).
 * @param readBlock Where blocks come from.
 * @returns The file's bytes.
 * @throws {ContentNotFoundError} If the root block is absent.
 * @throws {ContentIntegrityError} If a block fails its hash, an inner block is absent, or a node is malformed.
 * @throws {UnsupportedCidError} If the root is UnixFS but not a file (e.g. a directory).
 */
export async function readVerifiedFile(root: CID, readBlock: BlockReader): Promise<Uint8Array> {
  const [dagPb, { UnixFS }] = await Promise.all([loadEsm("@ipld/dag-pb"), loadEsm("ipfs-unixfs")]);
  const parts: Uint8Array[] = [];

  const visit = async (cid: CID, depth: number, expectedSize: bigint | undefined): Promise<bigint> => {
    if (depth > MAX_DEPTH) throw new ContentIntegrityError(root.toString(), `DAG deeper than ${MAX_DEPTH} levels`);
    const bytes = await readBlock(cid);
    if (bytes === undefined) {
      if (depth === 0) throw new ContentNotFoundError(cid.toString());
      throw new ContentIntegrityError(cid.toString(), `block of ${root.toString()} is missing`);
    }
    verifyBlock(cid, bytes);

    let size: bigint;
    if (cid.code === RAW_CODEC) {
      parts.push(bytes);
      size = BigInt(bytes.length);
    } else if (cid.code === DAG_PB_CODEC) {
      size = await visitFileNode(cid, bytes, depth);
    } else {
      throw new ContentIntegrityError(cid.toString(), `link to codec 0x${cid.code.toString(16)} in a UnixFS file`);
    }
    if (expectedSize !== undefined && size !== expectedSize) {
      throw new ContentIntegrityError(cid.toString(), `holds ${size} bytes, its parent says ${expectedSize}`);
    }
    return size;
  };

  const visitFileNode = async (cid: CID, bytes: Uint8Array, depth: number): Promise<bigint> => {
    let node: ReturnType<typeof dagPb.decode>;
    let unixfs: InstanceType<typeof UnixFS>;
    try {
      node = dagPb.decode(bytes);
      if (node.Data === undefined) throw new Error("dag-pb node without UnixFS data");
      unixfs = UnixFS.unmarshal(node.Data);
    } catch (err) {
      throw new ContentIntegrityError(cid.toString(), "not a valid UnixFS dag-pb node", { cause: err });
    }
    if (unixfs.type !== "file" && unixfs.type !== "raw") {
      if (depth === 0) throw new UnsupportedCidError(cid.toString(), `UnixFS ${unixfs.type}, expected a file`);
      throw new ContentIntegrityError(cid.toString(), `UnixFS ${unixfs.type} inside a file`);
    }
    if (node.Links.length > 0 && unixfs.blockSizes.length !== node.Links.length) {
      throw new ContentIntegrityError(cid.toString(), "UnixFS block sizes do not match the links");
    }
    let size = 0n;
    if (unixfs.data !== undefined && unixfs.data.length > 0) {
      parts.push(unixfs.data);
      size += BigInt(unixfs.data.length);
    }
    for (const [index, link] of node.Links.entries()) {
      size += await visit(link.Hash, depth + 1, unixfs.blockSizes[index]);
    }
    if (size !== unixfs.fileSize()) {
      throw new ContentIntegrityError(cid.toString(), `holds ${size} bytes, its UnixFS size says ${unixfs.fileSize()}`);
    }
    return size;
  };

  const total = await visit(root, 0, undefined);
  const out = new Uint8Array(Number(total));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Lists every block CID of the UnixFS file under `root` in depth-first order (root first), reading and verifying
 * each block on the way; used to pack a DAG into a CAR.
 * @param root The root CID.
 * @param readBlock Where blocks come from.
 * @returns The `[cid, bytes]` pairs, root first.
 * @throws {ContentNotFoundError} If the root block is absent.
 * @throws {ContentIntegrityError} If a block fails its hash or is absent.
 */
export async function collectVerifiedBlocks(
  root: CID,
  readBlock: BlockReader,
): Promise<Array<{ cid: CID; bytes: Uint8Array }>> {
  const blocks: Array<{ cid: CID; bytes: Uint8Array }> = [];
  const seen = new Set<string>();
  const recording: BlockReader = async (cid) => {
    const bytes = await readBlock(cid);
    if (bytes !== undefined && !seen.has(cid.toString())) {
      seen.add(cid.toString());
      blocks.push({ cid, bytes });
    }
    return bytes;
  };
  await readVerifiedFile(root, recording);
  return blocks;
}
