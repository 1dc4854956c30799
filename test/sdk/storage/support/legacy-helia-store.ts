// A store folder as HeliaContentStore wrote it before medrec kept its own pins: blocks by putMany, then each object
// pinned recursively by Helia (`pins.add`). Loaded by mocha too; defines no tests.
import path from "node:path";
import { BLOCKS_FOLDER, DATASTORE_FOLDER, loadEsm, objectBlocks } from "../../../../sdk/storage";
import { isHeliaPinned } from "../../../../sdk/storage/helia-pin-migration";
import { startOfflineHelia } from "../../../../sdk/storage/offline-helia";

/**
 * Writes `objects` into `directory` the old way and returns their root CIDs (in order).
 * @param leftovers Objects whose blocks are written but not pinned (what the old code left after a crash).
 */
export async function writeLegacyStore(directory: string, objects: readonly Uint8Array[], leftovers: readonly Uint8Array[] = []): Promise<string[]> {
  const [{ FsBlockstore }, { FsDatastore }] = await Promise.all([loadEsm("blockstore-fs"), loadEsm("datastore-fs")]);
  const blockstore = new FsBlockstore(path.join(directory, BLOCKS_FOLDER));
  const datastore = new FsDatastore(path.join(directory, DATASTORE_FOLDER));
  await blockstore.open();
  await datastore.open();
  const helia = await startOfflineHelia(blockstore, datastore);
  const roots: string[] = [];
  try {
    for (const [i, bytes] of [...objects, ...leftovers].entries()) {
      const { root, blocks } = await objectBlocks(bytes);
      for (const block of blocks) await blockstore.put(block.cid, block.bytes);
      if (i >= objects.length) continue;
      roots.push(root.toString());
      if (!(await isHeliaPinned(helia.pins, root))) for await (const _ of helia.pins.add(root)) void _;
    }
  } finally {
    await helia.stop();
    await blockstore.close();
    await datastore.close();
  }
  return roots;
}

/** The roots Helia has pinned in `directory`'s datastore. */
export async function legacyPins(directory: string): Promise<string[]> {
  const [{ FsDatastore }] = await Promise.all([loadEsm("datastore-fs")]);
  const datastore = new FsDatastore(path.join(directory, DATASTORE_FOLDER));
  await datastore.open();
  const keys: string[] = [];
  try {
    for await (const key of datastore.queryKeys({ prefix: "/pin/" })) keys.push(key.toString());
  } finally {
    await datastore.close();
  }
  return keys;
}
