/**
 * The one-time move of a store folder from Helia's pins to medrec's ({@link PinIndex}).
 *
 * Stores written before medrec kept its own pins have every object pinned recursively by Helia (`pins.add`, entries
 * `/pin/…` and `/pinned-block/…` in the datastore). On open, each Helia pin's DAG is walked ({@link dagBlockCids},
 * reading only its dag-pb nodes), a medrec pin is written for it, and only then is the Helia pin removed. A crash in
 * between leaves both pins; the next open finds the medrec pin and just removes Helia's. So no object is lost, and a
 * store without Helia pins pays one datastore query on open.
 *
 * @module
 */
import type { CID } from "multiformats/cid";
import type { PinIndex } from "./pin-index";
import { dagBlockCids } from "./dag-links";
import type { BlockReader } from "./verified-dag";

/** What the migration needs of Helia: its pins. */
export interface HeliaPins {
  ls(options?: { signal?: AbortSignal }): AsyncIterable<{ cid: CID }>;
  /** (Its options reach the blockstore's `get`, which takes `offline`; Helia's `RmOptions` does not declare it.) */
  rm(cid: CID, options?: object): AsyncIterable<unknown>;
  get(cid: CID): Promise<unknown>;
}

/**
 * Moves every Helia pin to `index`.
 * @param pins Helia's pins (`helia.pins`).
 * @param index medrec's pins of the same folder.
 * @param readBlock Reads a block from the store's blockstore (`undefined` when missing).
 * @returns How many Helia pins were moved.
 */
export async function migrateHeliaPins(pins: HeliaPins, index: PinIndex, readBlock: BlockReader): Promise<number> {
  const roots: CID[] = [];
  for await (const pin of pins.ls()) roots.push(pin.cid); // listed in full before any is removed
  for (const root of roots) {
    if (!(await index.has(root))) await index.pin(root, await dagBlockCids(root, readBlock));
    await removeHeliaPin(pins, root);
  }
  return roots.length;
}

/**
 * Removes a Helia pin. `pins.rm` deletes the pin first, then walks the DAG to lower its per-block counts, which
 * fails on a missing block; those counts are never read again, so only the pin itself must be gone.
 */
async function removeHeliaPin(pins: HeliaPins, root: CID): Promise<void> {
  try {
    for await (const _ of pins.rm(root, { offline: true })) {
      // progress only
    }
  } catch (err) {
    if (await isHeliaPinned(pins, root)) throw err;
  }
}

/**
 * Whether Helia holds a pin of `root` (an object root, not a block inside a pinned DAG).
 * @param pins Helia's pins.
 * @param root The object root.
 */
export async function isHeliaPinned(pins: HeliaPins, root: CID): Promise<boolean> {
  try {
    await pins.get(root);
    return true;
  } catch (err) {
    if ((err as Error)?.name === "NotFoundError") return false;
    throw err;
  }
}
