/**
 * The blocks, root CID and content hash of one object to store, with every byte hashed once per hash it needs.
 *
 * With {@link UNIXFS_IMPORT_SETTINGS} (CIDv1, raw leaves, 1 MiB chunks, a single chunk reduced to itself) an object
 * of at most {@link CHUNK_SIZE} bytes is one raw block whose CID digest *is* SHA-256(object), the content hash
 * recorded on-chain: it is hashed once (WebCrypto) and its CID built from that digest, without the importer. A larger
 * object goes through the UnixFS importer into memory (its chunks are hashed once each, natively: `multiformats`
 * hashes with OpenSSL in Node), and the SHA-256 of the whole object runs once, when asked for
 * ({@link ObjectDag.contentHash}): `node:crypto` over 1 MiB slices, giving the event loop back between slices, so
 * that it overlaps the writes of the blocks (WebCrypto's digest would first copy the whole object). Either way the
 * CID is the one {@link importFile} gives.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { UnixFSComponents } from "@helia/unixfs";
import type { CID } from "multiformats/cid";
import { bytesToHex } from "../crypto/bytes";
import { sha256 } from "../crypto/webcrypto";
import { RAW_CODEC, SHA2_256_CODE } from "./cid";
import { loadEsm } from "./esm";
import type { ContentHash } from "./types";
import { CHUNK_SIZE, importFile } from "./unixfs";

/** One block of a stored object. */
export interface ObjectBlock {
  readonly cid: CID;
  readonly bytes: Uint8Array;
}

/** What {@link objectBlocks} returns. */
export interface ObjectBlocks {
  /** The object's root CID (CIDv1; `raw` for ≤ 1 MiB, `dag-pb` above). */
  readonly root: CID;
  /** Every block of the object's DAG, in the order the importer wrote them (leaves before their parents). */
  readonly blocks: readonly ObjectBlock[];
  /** SHA-256 of the whole object, `0x` + 64 lowercase hex digits. */
  readonly contentHash: ContentHash;
}

/** What {@link objectDag} returns: the DAG at once, the content hash when asked for. */
export interface ObjectDag {
  /** The object's root CID (CIDv1; `raw` for ≤ 1 MiB, `dag-pb` above). */
  readonly root: CID;
  /** Every block of the object's DAG, in the order the importer wrote them (leaves before their parents). */
  readonly blocks: readonly ObjectBlock[];
  /**
   * SHA-256 of the whole object, `0x` + 64 lowercase hex digits: known already for an object of ≤ 1 MiB (its CID
   * digest), computed on the first call above (in slices: start it, then write the blocks, then await it).
   */
  contentHash(): Promise<ContentHash>;
}

/**
 * The CID of a single raw block whose SHA-256 is `digest`.
 * @param digest The 32-byte SHA-256 of the block.
 * @returns `CIDv1(raw, sha2-256(digest))`.
 */
export async function rawBlockCid(digest: Uint8Array): Promise<CID> {
  const [{ CID: CidClass }, Digest] = await Promise.all([loadEsm("multiformats/cid"), loadEsm("multiformats/hashes/digest")]);
  return CidClass.createV1(RAW_CODEC, Digest.create(SHA2_256_CODE, digest));
}

/**
 * Builds the blocks of `bytes` as a UnixFS file (the same DAG and CID as {@link importFile}) and its SHA-256.
 * Nothing is written anywhere; the caller stores {@link ObjectBlocks.blocks} (in one batch).
 * @param bytes The object.
 * @returns Root CID, blocks and content hash.
 */
export async function objectBlocks(bytes: Uint8Array): Promise<ObjectBlocks> {
  const dag = await objectDag(bytes);
  return { root: dag.root, blocks: dag.blocks, contentHash: await dag.contentHash() };
}

/**
 * {@link objectBlocks} in two steps, for a store that writes the blocks while the whole object is hashed: the DAG
 * now, {@link ObjectDag.contentHash} when started. Each byte is still hashed once per hash it needs.
 * @param bytes The object (not modified; it must not change until the content hash has resolved).
 * @returns Root CID, blocks and the content hash on demand.
 */
export async function objectDag(bytes: Uint8Array): Promise<ObjectDag> {
  if (bytes.length <= CHUNK_SIZE) {
    const digest = await sha256(bytes);
    const root = await rawBlockCid(digest);
    const contentHash = Promise.resolve(bytesToHex(digest) as ContentHash);
    return { root, blocks: [{ cid: root, bytes }], contentHash: () => contentHash };
  }
  const blocks: ObjectBlock[] = [];
  const collector = {
    put: async (cid: CID, block: Uint8Array) => {
      blocks.push({ cid, bytes: block });
      return cid;
    },
  };
  const root = await importFile({ blockstore: collector as unknown as UnixFSComponents["blockstore"] }, bytes);
  let contentHash: Promise<ContentHash> | undefined;
  return { root, blocks, contentHash: () => (contentHash ??= sliceHash(bytes)) };
}

/** SHA-256 of `bytes`, one {@link CHUNK_SIZE} slice per turn of the event loop. */
async function sliceHash(bytes: Uint8Array): Promise<ContentHash> {
  const hash = createHash("sha256");
  for (let offset = 0; offset < bytes.length; offset += CHUNK_SIZE) {
    hash.update(bytes.subarray(offset, offset + CHUNK_SIZE));
    await nextTurn();
  }
  return `0x${hash.digest("hex")}` as ContentHash;
}
