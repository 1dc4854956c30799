/**
 * How `sdk/storage` turns bytes into a UnixFS DAG: the same settings in every store, so the same bytes get the same
 * CID whether they are pinned in the embedded Helia node or packed into a CAR for Filecoin.
 *
 * @module
 */
import type { UnixFSComponents } from "@helia/unixfs";
import type { CID } from "multiformats/cid";
import { loadEsm } from "./esm";

/** Chunk size of stored objects: 1 MiB (1,048,576 bytes). */
export const CHUNK_SIZE = 1_048_576;
/** Most links a UnixFS file node holds before the balanced layout adds a level (IPIP-499 `unixfs-v1-2025`). */
export const MAX_CHILDREN_PER_NODE = 1_024;

/**
 * The importer settings of every stored object: CIDv1, raw leaves, fixed 1 MiB chunks, balanced layout with
 * 1024 links per node, a single-chunk object reduced to its raw leaf (so its CID is a `raw` CID).
 */
export const UNIXFS_IMPORT_SETTINGS = Object.freeze({
  cidVersion: 1,
  rawLeaves: true,
  chunkSize: CHUNK_SIZE,
  maxChildrenPerNode: MAX_CHILDREN_PER_NODE,
  reduceSingleLeafToSelf: true,
} as const);

/**
 * Imports `bytes` as one UnixFS file into `target.blockstore` with {@link UNIXFS_IMPORT_SETTINGS}.
 * @param target Anything with a blockstore: a Helia node, or `{ blockstore }` around a bare blockstore.
 * @param bytes The payload.
 * @returns The root CID (CIDv1; `raw` for ≤ 1 MiB, `dag-pb` above).
 */
export async function importFile(target: UnixFSComponents, bytes: Uint8Array): Promise<CID> {
  const [{ unixfs }, { fixedSize }, { balanced }] = await Promise.all([
    loadEsm("@helia/unixfs"),
    loadEsm("ipfs-unixfs-importer/chunker"),
    loadEsm("ipfs-unixfs-importer/layout"),
  ]);
  return unixfs(target).addBytes(bytes, {
    cidVersion: UNIXFS_IMPORT_SETTINGS.cidVersion,
    rawLeaves: UNIXFS_IMPORT_SETTINGS.rawLeaves,
    reduceSingleLeafToSelf: UNIXFS_IMPORT_SETTINGS.reduceSingleLeafToSelf,
    chunker: fixedSize({ chunkSize: UNIXFS_IMPORT_SETTINGS.chunkSize }),
    layout: balanced({ maxChildrenPerNode: UNIXFS_IMPORT_SETTINGS.maxChildrenPerNode }),
  });
}
