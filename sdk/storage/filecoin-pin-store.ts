/**
 * A {@link ContentStore} on Filecoin Onchain Cloud through `filecoin-pin`.
 *
 * - `put` builds the same UnixFS DAG as the embedded store ({@link objectBlocks}, so the same CID) in memory, packs
 *   it into a CARv1 ({@link encodeCar}), uploads the CAR as one piece ({@link FilecoinPinBackend.upload}) and
 *   records CID → piece CID in a local {@link PieceIndex}.
 * - `get` downloads the piece by its piece CID (the SDK recomputes the piece CID of the bytes), parses the CAR,
 *   re-hashes every block of the DAG against its CID ({@link readVerifiedFile}) and checks the object's SHA-256.
 * - `remove` schedules deletion of the piece at the provider and forgets it locally.
 *
 * @module
 */
import type { Logger } from "pino";
import type { CID } from "multiformats/cid";
import { decodeCar, encodeCar } from "./car";
import { toServedCid } from "./cid";
import { checkContentHash, normaliseContentHash } from "./content-hash";
import { ContentNotFoundError, InvalidArgumentError, StoreClosedError } from "./errors";
import { openFilecoinPinBackend, type FilecoinPinBackend } from "./filecoin-pin-backend";
import { filecoinPinConfigFromEnv, validateFilecoinPinConfig, type FilecoinPinConfig } from "./filecoin-pin-config";
import { PieceIndex } from "./piece-index";
import type { CidInput, ContentStore, GetOptions, PutResult } from "./types";
import { objectBlocks } from "./object-blocks";
import { collectVerifiedBlocks, readVerifiedFile, type BlockReader } from "./verified-dag";

/** {@link PutResult} plus where Filecoin keeps the object. */
export interface FilecoinPutResult extends PutResult {
  /** Piece CID (CommPv2) of the CAR. */
  readonly pieceCid: string;
  /** Piece id in the data set, if confirmed. */
  readonly pieceId?: number;
  /** Data set id. */
  readonly dataSetId: string;
  /** Size of the uploaded CAR in bytes. */
  readonly carSize: number;
}

/** {@link GetOptions} plus an explicit piece CID. */
export interface FilecoinGetOptions extends GetOptions {
  /** Piece that holds the object, for objects this store's index does not know (e.g. stored by another host). */
  readonly pieceCid?: string;
}

/** Options of {@link FilecoinPinStore.open}. */
export interface FilecoinPinStoreOptions {
  /** Wallet, RPC endpoint, index folder, provider and data set choices. */
  readonly config: FilecoinPinConfig;
  /** Receives `filecoin-pin`'s logs; default silent. */
  readonly logger?: Logger;
  /** The Filecoin side; default {@link openFilecoinPinBackend} (the real library). */
  readonly backend?: FilecoinPinBackend;
}

/** The Filecoin-backed store. Create it with {@link FilecoinPinStore.open} or {@link FilecoinPinStore.fromEnv}. */
export class FilecoinPinStore implements ContentStore {
  readonly #backend: FilecoinPinBackend;
  readonly #index: PieceIndex;
  #closed = false;

  private constructor(backend: FilecoinPinBackend, index: PieceIndex) {
    this.#backend = backend;
    this.#index = index;
  }

  /**
   * Opens the piece index and connects to Filecoin Onchain Cloud.
   * @param options Configuration (and, for tests, a backend).
   * @returns The open store; {@link close} it when done.
   * @throws {StorageConfigError} If the configuration is malformed.
   */
  static async open(options: FilecoinPinStoreOptions): Promise<FilecoinPinStore> {
    const config = validateFilecoinPinConfig(options.config);
    const index = await PieceIndex.open(config.indexDirectory);
    const backend = options.backend ?? (await openFilecoinPinBackend(config, { logger: options.logger }));
    return new FilecoinPinStore(backend, index);
  }

  /**
   * Opens the store from `FILECOIN_PIN_*` environment variables ({@link filecoinPinConfigFromEnv}).
   * @param env The environment; default `process.env`.
   * @param logger Receives `filecoin-pin`'s logs; default silent.
   * @returns The open store.
   * @throws {StorageConfigError} Naming the first missing or malformed variable.
   */
  static async fromEnv(env: NodeJS.ProcessEnv = process.env, logger?: Logger): Promise<FilecoinPinStore> {
    return FilecoinPinStore.open({ config: filecoinPinConfigFromEnv(env), logger });
  }

  /** `mainnet` or `calibration`, as detected from the RPC endpoint. */
  get network(): string {
    return this.#backend.network;
  }

  /** @inheritDoc */
  async put(bytes: Uint8Array): Promise<FilecoinPutResult> {
    this.#assertOpen();
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError("put needs a Uint8Array");
    const object = await objectBlocks(bytes);
    const root = object.root;
    const cid = root.toString();
    const hash = object.contentHash;

    let entry = this.#index.get(cid);
    let carSize = entry?.carSize ?? 0;
    if (entry === undefined) {
      const byCid = new Map(object.blocks.map((block) => [block.cid.toString(), block.bytes]));
      const blocks = await collectVerifiedBlocks(root, async (block) => byCid.get(block.toString()));
      const car = await encodeCar(root, blocks);
      const upload = await this.#backend.upload(car, root);
      carSize = car.length;
      entry = { ...upload, size: bytes.length, contentHash: hash, carSize };
      await this.#index.set(cid, entry);
    }
    return {
      cid,
      cidBytes: Uint8Array.from(root.bytes),
      size: bytes.length,
      contentHash: hash,
      pieceCid: entry.pieceCid,
      ...(entry.pieceId !== undefined ? { pieceId: entry.pieceId } : {}),
      dataSetId: entry.dataSetId,
      carSize,
    };
  }

  /** @inheritDoc */
  async get(cid: CidInput, options: FilecoinGetOptions = {}): Promise<Uint8Array> {
    this.#assertOpen();
    if (options.expectedContentHash !== undefined) normaliseContentHash(options.expectedContentHash);
    const root = await toServedCid(cid);
    const pieceCid = options.pieceCid ?? this.#index.get(root.toString())?.pieceCid;
    if (pieceCid === undefined) throw new ContentNotFoundError(root.toString());
    const car = await this.#backend.download(pieceCid);
    const blocks = await decodeCar(car, root);
    const bytes = await readVerifiedFile(root, async (block) => blocks.get(block.toString()));
    await checkContentHash(bytes, options.expectedContentHash, root.toString());
    return bytes;
  }

  /**
   * Schedules deletion of the object's piece at the provider and forgets it locally.
   * A piece without a confirmed piece id is only forgotten locally (the provider keeps it until the data set ends).
   * @inheritDoc
   */
  async remove(cid: CidInput): Promise<boolean> {
    this.#assertOpen();
    const root = await toServedCid(cid);
    const entry = this.#index.get(root.toString());
    if (entry === undefined) return false;
    if (entry.pieceId !== undefined) {
      await this.#backend.deletePiece({ pieceCid: entry.pieceCid, pieceId: entry.pieceId, dataSetId: entry.dataSetId });
    }
    await this.#index.delete(root.toString());
    return true;
  }

  /** @inheritDoc */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#backend.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new StoreClosedError("FilecoinPinStore");
  }
}
