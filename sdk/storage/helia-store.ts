/**
 * The embedded default {@link ContentStore}: a Helia IPFS node whose blockstore lives in a folder, with medrec's own
 * pins ({@link PinIndex}) next to it.
 *
 * - `put` builds the bytes' UnixFS blocks ({@link objectBlocks}: the DAG of `importFile`, CIDv1, raw leaves, 1 MiB
 *   chunks; an object of ≤ 1 MiB hashed once for both its CID and its content hash), writes them in one batch
 *   (`putMany`) and pins the object: one file listing its blocks, written after them. Nothing is read back.
 * - `get` re-reads every block from disk and re-hashes it against its CID ({@link readVerifiedFile}); with
 *   `expectedContentHash` it also checks the SHA-256 of the whole object.
 * - `remove` unpins the object and deletes its blocks that no other object lists (no DAG walk, no sweep).
 * - A folder pinned by Helia (written before medrec kept its own pins) is migrated once on open
 *   ({@link migrateHeliaPins}); Helia's `pins` and `gc` are not used otherwise.
 * - Offline by construction ({@link startOfflineHelia}): the node's libp2p has no transports, no listen addresses, no discovery, and Helia
 *   gets no block brokers and no routers, so a missing block is reported, never fetched.
 *
 * One process at a time per folder (the blockstore takes no file lock).
 *
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import type { Helia } from "@helia/utils";
import type { FsBlockstore } from "blockstore-fs";
import type { FsDatastore } from "datastore-fs";
import type { CID } from "multiformats/cid";
import { toServedCid } from "./cid";
import { checkContentHash, normaliseContentHash } from "./content-hash";
import { loadEsm } from "./esm";
import { startOfflineHelia, type OfflineLibp2p } from "./offline-helia";
import { dagBlockCids } from "./dag-links";
import { InvalidArgumentError, StoreClosedError } from "./errors";
import { migrateHeliaPins } from "./helia-pin-migration";
import type { CidInput, ContentStore, GetOptions, PutResult } from "./types";
import { objectDag, type ObjectBlock } from "./object-blocks";
import { blockKey } from "./pin-record";
import { PinIndex } from "./pin-index";
import { readVerifiedFile } from "./verified-dag";

/** Options of {@link HeliaContentStore.open}. */
export interface HeliaContentStoreOptions {
  /**
   * Folder of the store; created if missing. Blocks go to `<directory>/blocks`, pins to `<directory>/pins`
   * ({@link PinIndex}); `<directory>/datastore` is Helia's (its pins, in a folder not yet migrated).
   */
  readonly directory: string;
}

/** Sub-folder of the blockstore (one file per block, named by its multihash). */
export const BLOCKS_FOLDER = "blocks";
/** Sub-folder of Helia's datastore (its version entry; its pins until migrated). */
export const DATASTORE_FOLDER = "datastore";

/** The embedded Helia store. Create it with {@link HeliaContentStore.open}. */
export class HeliaContentStore implements ContentStore {
  /** The store's folder (absolute). */
  readonly directory: string;
  readonly #helia: Helia<OfflineLibp2p>;
  readonly #blockstore: FsBlockstore;
  readonly #datastore: FsDatastore;
  readonly #pins: PinIndex;
  /** Serialises put (blocks + pin) and remove (unpin + delete) so a removal never deletes a block a put just wrote. */
  #writes: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(directory: string, helia: Helia<OfflineLibp2p>, blockstore: FsBlockstore, datastore: FsDatastore, pins: PinIndex) {
    this.directory = directory;
    this.#helia = helia;
    this.#blockstore = blockstore;
    this.#datastore = datastore;
    this.#pins = pins;
  }

  /**
   * Opens (or creates) the store in `options.directory` and starts its offline Helia node; finishes a put or remove
   * a crash interrupted ({@link PinIndex.open}) and moves Helia's pins, if any, to medrec's ({@link migrateHeliaPins}).
   * @param options Where the store lives.
   * @returns The open store; {@link close} it when done.
   * @throws {InvalidArgumentError} If `directory` is empty.
   * @throws {ContentIntegrityError} If a pin file the recovery needs does not decode.
   */
  static async open(options: HeliaContentStoreOptions): Promise<HeliaContentStore> {
    if (typeof options?.directory !== "string" || options.directory.length === 0) {
      throw new InvalidArgumentError("HeliaContentStore needs a directory");
    }
    const directory = path.resolve(options.directory);
    await fs.mkdir(path.join(directory, BLOCKS_FOLDER), { recursive: true });
    await fs.mkdir(path.join(directory, DATASTORE_FOLDER), { recursive: true });

    const [{ FsBlockstore }, { FsDatastore }] = await Promise.all([loadEsm("blockstore-fs"), loadEsm("datastore-fs")]);
    const blockstore = new FsBlockstore(path.join(directory, BLOCKS_FOLDER));
    const datastore = new FsDatastore(path.join(directory, DATASTORE_FOLDER));
    await blockstore.open();
    await datastore.open();
    let helia: Helia<OfflineLibp2p> | undefined;
    try {
      helia = await startOfflineHelia(blockstore, datastore);
      const pins = await PinIndex.open(directory, blockstore);
      await migrateHeliaPins(helia.pins, pins, (cid) => readBlock(blockstore, cid));
      return new HeliaContentStore(directory, helia, blockstore, datastore, pins);
    } catch (err) {
      await helia?.stop().catch(() => undefined);
      await blockstore.close();
      await datastore.close();
      throw err;
    }
  }

  /** @inheritDoc */
  async put(bytes: Uint8Array): Promise<PutResult> {
    this.#assertOpen();
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError("put needs a Uint8Array");
    // Chunking and chunk hashes happen before the write lock: only the block writes and the pin are serialised. The
    // whole-object hash (for a DAG of several blocks) runs in slices while the blocks are written.
    const { root, blocks, contentHash } = await objectDag(bytes);
    const distinct = distinctBlocks(blocks);
    // Straight to the file blockstore, whose putMany writes in parallel: Helia's own stack funnels putMany into one
    // awaited put per block (its identity-CID wrapper), and offers nothing this offline, serialised store needs.
    // (Its declaration types the pairs' bytes as a generator; at run time it writes a Uint8Array as Helia's put does.)
    const writeBlocks = () => drain(this.#blockstore.putMany(distinct as unknown as Parameters<FsBlockstore["putMany"]>[0]));
    const [hash] = await Promise.all([
      contentHash(),
      this.#serialise(async () => {
        // An object stored already is written again (the same bytes; this repairs a block lost on disk), not re-pinned.
        if (await this.#pins.has(root)) await writeBlocks();
        else await this.#pins.pin(root, distinct.map((block) => block.cid), writeBlocks);
      }),
    ]);
    return { cid: root.toString(), cidBytes: Uint8Array.from(root.bytes), size: bytes.length, contentHash: hash };
  }

  /** @inheritDoc */
  async get(cid: CidInput, options: GetOptions = {}): Promise<Uint8Array> {
    this.#assertOpen();
    if (options.expectedContentHash !== undefined) normaliseContentHash(options.expectedContentHash);
    const root = await toServedCid(cid);
    const bytes = await readVerifiedFile(root, (block) => readBlock(this.#blockstore, block));
    await checkContentHash(bytes, options.expectedContentHash, root.toString());
    return bytes;
  }

  /** @inheritDoc */
  async remove(cid: CidInput): Promise<boolean> {
    this.#assertOpen();
    const root = await toServedCid(cid);
    return this.#serialise(async () => {
      if (await this.#pins.remove(root)) return true;
      // Not an object of this store; may be an unpinned leftover (collect it) or a block another object uses (kept).
      if (!(await this.#blockstore.has(root))) return false;
      await this.#pins.collectUnreferenced(await dagBlockCids(root, (block) => readBlock(this.#blockstore, block)));
      return !(await this.#blockstore.has(root));
    });
  }

  /** @inheritDoc */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#writes.catch(() => undefined);
    await this.#helia.stop();
    await this.#blockstore.close();
    await this.#datastore.close();
  }

  #serialise<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(job, job);
    this.#writes = run.catch(() => undefined);
    return run;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreClosedError("HeliaContentStore");
  }
}

/** A block's bytes straight from the file blockstore, or `undefined` if absent; never asks the network. */
async function readBlock(blockstore: FsBlockstore, cid: CID): Promise<Uint8Array | undefined> {
  if (!(await blockstore.has(cid))) return undefined;
  const chunks: Uint8Array[] = [];
  for await (const chunk of blockstore.get(cid)) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0] : new Uint8Array(Buffer.concat(chunks));
}

/** The blocks of a DAG with each multihash once (an object of repeated chunks holds one leaf many times). */
function distinctBlocks(blocks: readonly ObjectBlock[]): ObjectBlock[] {
  const seen = new Set<string>();
  return blocks.filter(({ cid }) => {
    const key = blockKey(cid);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Runs an async generator to completion (`putMany` yields each CID it wrote, which we do not need). */
async function drain(source: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of source) {
    // progress only
  }
}
