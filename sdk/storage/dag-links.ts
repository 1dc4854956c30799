/**
 * The block CIDs of a DAG already on disk, for the pin bookkeeping of {@link HeliaContentStore} where `put` did not
 * build the DAG itself: migrating a store pinned by Helia, and collecting an unpinned leftover.
 *
 * Only dag-pb nodes are read (a UnixFS file's nodes are small; its raw leaves, the bulk, are never read). The walk is
 * best effort: a missing node, one that does not hash to its CID or that does not decode is listed, not descended.
 *
 * @module
 */
import type { CID } from "multiformats/cid";
import { DAG_PB_CODEC, SHA2_256_CODE } from "./cid";
import { loadEsm } from "./esm";
import { distinctBlocks } from "./pin-record";
import { verifyBlock, type BlockReader } from "./verified-dag";

/** Deepest DAG walked (as {@link readVerifiedFile} accepts). */
const MAX_DEPTH = 32;

/**
 * Lists the blocks reachable from `root`.
 * @param root The DAG's root.
 * @param readBlock Where blocks come from (`undefined` for a missing block).
 * @returns The root and the distinct blocks below it (each multihash once), root first.
 */
export async function dagBlockCids(root: CID, readBlock: BlockReader): Promise<CID[]> {
  const dagPb = await loadEsm("@ipld/dag-pb");
  const found: CID[] = [];
  const visited = new Set<string>();
  const visit = async (cid: CID, depth: number): Promise<void> => {
    found.push(cid);
    const key = cid.toString();
    if (cid.code !== DAG_PB_CODEC || cid.multihash.code !== SHA2_256_CODE || depth >= MAX_DEPTH || visited.has(key)) return;
    visited.add(key);
    const bytes = await readBlock(cid);
    if (bytes === undefined) return;
    let links: CID[];
    try {
      verifyBlock(cid, bytes);
      links = dagPb.decode(bytes).Links.map((link) => link.Hash);
    } catch {
      return; // a corrupt node: its own CID is listed, what it would link to cannot be known
    }
    for (const link of links) await visit(link, depth + 1);
  };
  await visit(root, 0);
  return distinctBlocks(root, found);
}
