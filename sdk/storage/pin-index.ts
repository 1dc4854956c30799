/**
 * medrec's own pins for {@link HeliaContentStore}: which stored objects exist and which blocks each one holds, so a
 * `put` costs one small file and a `remove` deletes exactly the blocks no other object uses, without walking any DAG
 * on disk (Helia's `pins.add` read every block back and wrote a datastore entry per block; its `gc` read them all).
 *
 * On disk, in `<store>/pins/`:
 * - `<root CID>.pin`, one per object: its {@link encodePinRecord pin record}, the CIDs of every block of its DAG.
 *   An object exists exactly when its file does; a root put twice is one object (one file).
 * - `pending/<root CID>.pin`: the intent of a `put` or `remove` under way, the same record. A `put` writes the
 *   intent, then the blocks, then renames the intent into place as the pin (the commit: one atomic rename); a `remove` writes the intent, deletes
 *   the pin (the commit), then the blocks nobody else references, then drops the intent. Every file is written to a
 *   temporary name in `pending/` and renamed into place, so none is ever seen half written.
 *
 * A crash therefore leaves at most blocks that no pin lists, each named by an intent: {@link PinIndex.open} finds the
 * intents and deletes those blocks (the ones no pin references), so nothing needs a sweep over all blocks.
 *
 * Reference counts are not stored: they are derived from the pin files, read once when a removal first needs them,
 * then kept in memory as puts and removes change them (the store is one process per folder). A pin file that does not
 * decode stops every removal (`ContentIntegrityError`) rather than risk deleting a block it lists.
 *
 * Callers serialise every call that writes (`pin`, `remove`, `collectUnreferenced`).
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import type { CID } from "multiformats/cid";
import { ContentIntegrityError } from "./errors";
import { blockKey, decodePinRecord, distinctBlocks, encodePinRecord, type PinRecord } from "./pin-record";

/** Sub-folder of the store holding the pins. */
export const PINS_FOLDER = "pins";
/** Sub-folder of {@link PINS_FOLDER} holding the intents of writes under way (and temporary files). */
export const PENDING_FOLDER = "pending";
const PIN_EXTENSION = ".pin";
const TEMP_EXTENSION = ".tmp";
/** Pin files read at once while loading the reference counts. */
const READ_CONCURRENCY = 32;

/** What the index needs of the blockstore: deleting a block (a missing block is no error). */
export interface BlockRemover {
  delete(cid: CID): Promise<unknown>;
}

/** The pins of one store folder. Open it with {@link PinIndex.open}. */
export class PinIndex {
  readonly #pins: string;
  readonly #pending: string;
  readonly #blocks: BlockRemover;
  /** Pins per block (by {@link blockKey}); `undefined` until a removal first needs it. */
  #refs: Map<string, number> | undefined;

  private constructor(storeDirectory: string, blocks: BlockRemover) {
    this.#pins = path.join(storeDirectory, PINS_FOLDER);
    this.#pending = path.join(this.#pins, PENDING_FOLDER);
    this.#blocks = blocks;
  }

  /**
   * Opens the pins of `storeDirectory` (creating the folders) and finishes what a crash interrupted: each intent
   * whose object has no pin has its unreferenced blocks deleted.
   * @param storeDirectory The store's folder.
   * @param blocks The store's blockstore.
   * @returns The open index.
   * @throws {ContentIntegrityError} If an intent or, when one needs collecting, a pin file does not decode.
   */
  static async open(storeDirectory: string, blocks: BlockRemover): Promise<PinIndex> {
    const index = new PinIndex(storeDirectory, blocks);
    await fs.mkdir(index.#pending, { recursive: true });
    await index.#recover();
    return index;
  }

  /**
   * Whether `root` is a stored object (pinned as a root; a block inside another object's DAG is not).
   * @param root A root CID.
   * @returns `true` if its pin exists.
   */
  async has(root: CID): Promise<boolean> {
    try {
      await fs.access(this.#pinFile(root));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Pins `root` as an object made of `blocks`. With `writeBlocks`, the blocks are written between the intent and the
   * pin (see the module notes); without, they must already be on disk (a migrated object).
   * @param root The object's root CID (not pinned yet: check {@link has} first).
   * @param blocks Every block of its DAG (repeats allowed).
   * @param writeBlocks Writes the blocks; if it fails, the blocks nobody references are deleted again.
   */
  async pin(root: CID, blocks: Iterable<CID>, writeBlocks?: () => Promise<void>): Promise<void> {
    const cids = distinctBlocks(root, blocks);
    const record = encodePinRecord(root, cids);
    if (writeBlocks === undefined) {
      await this.#write(this.#pinFile(root), record);
      this.#count(cids, +1);
      return;
    }
    const intent = this.#pendingFile(root);
    await this.#write(intent, record);
    try {
      await writeBlocks();
      // The intent holds the pin's bytes: moved into place, it is the pin (one rename, not a second write and a delete).
      await fs.rename(intent, this.#pinFile(root));
    } catch (err) {
      await this.collectUnreferenced(cids).then(() => fs.rm(intent, { force: true }), () => undefined); // else: next open
      throw err;
    }
    this.#count(cids, +1);
  }

  /**
   * Unpins the object `root` and deletes its blocks that no other object lists.
   * @param root A root CID.
   * @returns `true` if it was an object, `false` if no pin exists for it (nothing is deleted then).
   * @throws {ContentIntegrityError} If a pin file does not decode.
   */
  async remove(root: CID): Promise<boolean> {
    const file = this.#pinFile(root);
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw err;
    }
    const record = await this.#decode(bytes, file, root.toString());
    await this.#loadRefs(); // before the pin goes, so that the counts include this object
    const intent = this.#pendingFile(root);
    await this.#write(intent, bytes);
    await fs.rm(file);
    this.#count(record.blocks, -1);
    await this.#deleteUnreferenced(record.blocks);
    await fs.rm(intent, { force: true });
    return true;
  }

  /**
   * Deletes those of `blocks` that no pin lists (an unpinned leftover); the others are kept.
   * @param blocks Block CIDs.
   * @throws {ContentIntegrityError} If a pin file does not decode.
   */
  async collectUnreferenced(blocks: Iterable<CID>): Promise<void> {
    await this.#loadRefs();
    await this.#deleteUnreferenced([...blocks]);
  }

  async #deleteUnreferenced(blocks: readonly CID[]): Promise<void> {
    const refs = await this.#loadRefs();
    const seen = new Set<string>();
    const unreferenced = blocks.filter((cid) => {
      const key = blockKey(cid);
      if (seen.has(key) || (refs.get(key) ?? 0) > 0) return false;
      seen.add(key);
      return true;
    });
    await Promise.all(unreferenced.map((cid) => this.#blocks.delete(cid)));
  }

  /** Adds `delta` to the count of each block, if the counts are loaded (else they are read from the pins later). */
  #count(blocks: readonly CID[], delta: 1 | -1): void {
    const refs = this.#refs;
    if (refs === undefined) return;
    for (const cid of blocks) {
      const key = blockKey(cid);
      const next = (refs.get(key) ?? 0) + delta;
      if (next > 0) refs.set(key, next);
      else refs.delete(key);
    }
  }

  /** The reference counts, read from every pin file the first time. */
  async #loadRefs(): Promise<Map<string, number>> {
    if (this.#refs !== undefined) return this.#refs;
    const names = (await fs.readdir(this.#pins)).filter((name) => name.endsWith(PIN_EXTENSION));
    const refs = new Map<string, number>();
    for (let i = 0; i < names.length; i += READ_CONCURRENCY) {
      const records = await Promise.all(
        names.slice(i, i + READ_CONCURRENCY).map(async (name) => {
          const file = path.join(this.#pins, name);
          return this.#decode(await fs.readFile(file), file, name.slice(0, -PIN_EXTENSION.length));
        }),
      );
      for (const { blocks } of records) for (const cid of blocks) refs.set(blockKey(cid), (refs.get(blockKey(cid)) ?? 0) + 1);
    }
    this.#refs = refs;
    return refs;
  }

  /** Finishes the writes a crash interrupted (see {@link open}) and drops leftover temporary files. */
  async #recover(): Promise<void> {
    for (const name of await fs.readdir(this.#pending)) {
      const file = path.join(this.#pending, name);
      if (name.endsWith(TEMP_EXTENSION)) {
        await fs.rm(file, { force: true });
        continue;
      }
      if (!name.endsWith(PIN_EXTENSION)) continue;
      const record = await this.#decode(await fs.readFile(file), file, name.slice(0, -PIN_EXTENSION.length));
      if (!(await this.has(record.root))) await this.collectUnreferenced(record.blocks);
      await fs.rm(file, { force: true });
    }
  }

  /** Decodes a pin (or intent) file and checks that it is the one of `root`. */
  async #decode(bytes: Uint8Array, file: string, root: string): Promise<PinRecord> {
    const record = await decodePinRecord(bytes, file);
    if (record.root.toString() !== root) throw new ContentIntegrityError(file, `pin record of ${record.root.toString()}, expected ${root}`);
    return record;
  }

  /** Writes `file` atomically: to a temporary file in `pending/`, renamed into place. */
  async #write(file: string, bytes: Uint8Array): Promise<void> {
    const temp = path.join(this.#pending, `${randomBytes(8).toString("hex")}${TEMP_EXTENSION}`);
    await fs.writeFile(temp, bytes);
    try {
      await fs.rename(temp, file);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
  }

  #pinFile(root: CID): string {
    return path.join(this.#pins, `${root.toString()}${PIN_EXTENSION}`);
  }

  #pendingFile(root: CID): string {
    return path.join(this.#pending, `${root.toString()}${PIN_EXTENSION}`);
  }
}
