/**
 * The blocks, root CID and content hash of one object to store, with every byte hashed once per hash it needs.
 *
 * With {@link UNIXFS_IMPORT_SETTINGS} (CIDv1, raw leaves, 1 MiB chunks, a single chunk reduced to itself) an object
 * of at most {@link CHUNK_SIZE} bytes is one raw block whose CID digest *is* SHA-256(object), the content hash
 * recorded on-chain: it is hashed once (WebCrypto) and its CID built from that digest, without the importer. A larger
 * object goes through the UnixFS importer into memory (its chunks are hashed once each, natively: `multiformats`
 * hashes with OpenSSL in Node and WebCrypto in browsers), while the SHA-256 of the whole object runs once, in
 * WebCrypto, alongside. Either way the CID is the one {@link importFile} gives.
 *
 * @module
 */
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
  if (bytes.length <= CHUNK_SIZE) {
    const digest = await sha256(bytes);
    const root = await rawBlockCid(digest);
    return { root, blocks: [{ cid: root, bytes }], contentHash: bytesToHex(digest) as ContentHash };
  }
  const blocks: ObjectBlock[] = [];
  const collector = {
    put: async (cid: CID, block: Uint8Array) => {
      blocks.push({ cid, bytes: block });
      return cid;
    },
  };
  // The whole-object hash runs in WebCrypto (off the main thread in Node) while the importer chunks and hashes.
  const [digest, root] = await Promise.all([sha256(bytes), importFile({ blockstore: collector as unknown as UnixFSComponents["blockstore"] }, bytes)]);
  return { root, blocks, contentHash: bytesToHex(digest) as ContentHash };
}
