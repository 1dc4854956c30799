/**
 * The embedded default {@link ContentStore}: a Helia IPFS node whose blockstore and datastore (pins) live in a folder.
 *
 * - `put` builds the bytes' UnixFS blocks ({@link objectBlocks}: the DAG of `importFile`, CIDv1, raw leaves, 1 MiB
 *   chunks; an object of ≤ 1 MiB hashed once for both its CID and its content hash), writes them in one batch
 *   (`putMany`) and pins the DAG recursively.
 * - `get` re-reads every block from disk and re-hashes it against its CID ({@link readVerifiedFile}); with
 *   `expectedContentHash` it also checks the SHA-256 of the whole object.
 * - `remove` unpins the DAG and garbage-collects: the blocks no other pinned object links to are deleted.
 * - Offline by construction: the node's libp2p has no transports, no listen addresses, no discovery, and Helia
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
import { loadEsm, type EsmModules } from "./esm";
import { InvalidArgumentError, StoreClosedError } from "./errors";
import type { CidInput, ContentStore, GetOptions, PutResult } from "./types";
import { objectBlocks } from "./object-blocks";
import { readVerifiedFile } from "./verified-dag";

/** Options of {@link HeliaContentStore.open}. */
export interface HeliaContentStoreOptions {
  /** Folder of the store; created if missing. Blocks go to `<directory>/blocks`, pins to `<directory>/datastore`. */
  readonly directory: string;
}

/** The offline libp2p node under the Helia node. */
type Libp2pNode = Awaited<ReturnType<EsmModules["libp2p"]["createLibp2p"]>>;

/** Sub-folder of the blockstore (one file per block, named by its multihash). */
export const BLOCKS_FOLDER = "blocks";
/** Sub-folder of the datastore (pins, Helia's datastore version). */
export const DATASTORE_FOLDER = "datastore";

/** The embedded Helia store. Create it with {@link HeliaContentStore.open}. */
export class HeliaContentStore implements ContentStore {
  /** The store's folder (absolute). */
  readonly directory: string;
  readonly #helia: Helia<Libp2pNode>;
  readonly #blockstore: FsBlockstore;
  readonly #datastore: FsDatastore;
  /** Serialises put (import + pin) and remove (unpin + gc) so gc never sees a written but not yet pinned DAG. */
  #writes: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(directory: string, helia: Helia<Libp2pNode>, blockstore: FsBlockstore, datastore: FsDatastore) {
    this.directory = directory;
    this.#helia = helia;
    this.#blockstore = blockstore;
    this.#datastore = datastore;
  }

  /**
   * Opens (or creates) the store in `options.directory` and starts its offline Helia node.
   * @param options Where the store lives.
   * @returns The open store; {@link close} it when done.
   * @throws {InvalidArgumentError} If `directory` is empty.
   */
  static async open(options: HeliaContentStoreOptions): Promise<HeliaContentStore> {
    if (typeof options?.directory !== "string" || options.directory.length === 0) {
      throw new InvalidArgumentError("HeliaContentStore needs a directory");
    }
    const directory = path.resolve(options.directory);
    await fs.mkdir(path.join(directory, BLOCKS_FOLDER), { recursive: true });
    await fs.mkdir(path.join(directory, DATASTORE_FOLDER), { recursive: true });

    const [{ FsBlockstore }, { FsDatastore }, { createLibp2p }, { Helia }] = await Promise.all([
      loadEsm("blockstore-fs"),
      loadEsm("datastore-fs"),
      loadEsm("libp2p"),
      loadEsm("@helia/utils"),
    ]);
    const blockstore = new FsBlockstore(path.join(directory, BLOCKS_FOLDER));
    const datastore = new FsDatastore(path.join(directory, DATASTORE_FOLDER));
    await blockstore.open();
    await datastore.open();
    try {
      const libp2p = await createLibp2p({
        // libp2p keeps its own in-memory datastore: nothing of it (peer ids, addresses) is persisted.
        start: false,
        addresses: { listen: [] },
        transports: [],
        streamMuxers: [],
        connectionEncrypters: [],
        peerDiscovery: [],
        connectionMonitor: { enabled: false },
      });
      const helia = new Helia({ libp2p, blockstore, datastore, blockBrokers: [], routers: [] });
      await helia.start();
      return new HeliaContentStore(directory, helia, blockstore, datastore);
    } catch (err) {
      await blockstore.close();
      await datastore.close();
      throw err;
    }
  }

  /** @inheritDoc */
  async put(bytes: Uint8Array): Promise<PutResult> {
    this.#assertOpen();
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError("put needs a Uint8Array");
    // Hashing and chunking happen before the write lock: only the block writes and the pin are serialised.
    const { root, blocks, contentHash } = await objectBlocks(bytes);
    await this.#serialise(async () => {
      // Straight to the file blockstore, whose putMany writes in parallel: Helia's own stack funnels putMany into one
      // awaited put per block (its identity-CID wrapper), and offers nothing this offline, serialised store needs.
      // (Its declaration types the pairs' bytes as a generator; at run time it writes a Uint8Array as Helia's put does.)
      const pairs = blocks.map(({ cid, bytes: block }) => ({ cid, bytes: block }));
      await drain(this.#blockstore.putMany(pairs as unknown as Parameters<FsBlockstore["putMany"]>[0]));
      if (!(await this.#isPinRoot(root))) await drain(this.#helia.pins.add(root));
    });
    return { cid: root.toString(), cidBytes: Uint8Array.from(root.bytes), size: bytes.length, contentHash };
  }

  /** @inheritDoc */
  async get(cid: CidInput, options: GetOptions = {}): Promise<Uint8Array> {
    this.#assertOpen();
    if (options.expectedContentHash !== undefined) normaliseContentHash(options.expectedContentHash);
    const root = await toServedCid(cid);
    const bytes = await readVerifiedFile(root, (block) => this.#readBlock(block));
    await checkContentHash(bytes, options.expectedContentHash, root.toString());
    return bytes;
  }

  /** @inheritDoc */
  async remove(cid: CidInput): Promise<boolean> {
    this.#assertOpen();
    const root = await toServedCid(cid);
    return this.#serialise(async () => {
      if (await this.#isPinRoot(root)) {
        await drain(this.#helia.pins.rm(root));
        await this.#helia.gc();
        return true;
      }
      // Not an object of this store; may be an unpinned leftover (collect it) or a block another object uses (kept).
      if (!(await this.#helia.blockstore.has(root))) return false;
      await this.#helia.gc();
      return !(await this.#helia.blockstore.has(root));
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

  /** A block's bytes from disk, or `undefined` if absent; never asks the network. */
  async #readBlock(cid: CID): Promise<Uint8Array | undefined> {
    if (!(await this.#helia.blockstore.has(cid))) return undefined;
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.#helia.blockstore.get(cid, { offline: true })) chunks.push(chunk);
    return chunks.length === 1 ? chunks[0] : new Uint8Array(Buffer.concat(chunks));
  }

  /**
   * Whether `cid` is pinned as an object root. (`pins.isPinned` is also true for every block inside a pinned DAG,
   * which is not an object of its own: a 1 MiB object equal to a chunk of a larger one must get its own pin.)
   */
  async #isPinRoot(cid: CID): Promise<boolean> {
    try {
      await this.#helia.pins.get(cid);
      return true;
    } catch (err) {
      if ((err as Error)?.name === "NotFoundError") return false;
      throw err;
    }
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

/** Runs an async generator to completion (Helia's pin operations report progress that we do not need). */
async function drain(source: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of source) {
    // progress only
  }
}
