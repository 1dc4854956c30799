/**
 * The calls {@link FilecoinPinStore} makes into `filecoin-pin`'s library API (and the Synapse SDK under it).
 *
 * - open: `initializeSynapse` (private key + RPC URL; IPNI-enabled providers; telemetry off unless asked) and
 *   `createStorageContext` (provider and data set selection).
 * - upload: `checkUploadReadiness` (FIL for gas, USDFC balance, Filecoin Pay allowances, deposit capacity), then
 *   `executeUpload` (piece upload to the provider, `addPieces` on-chain, piece id confirmation). IPNI
 *   advertisement is not awaited: medrec retrieves by piece CID.
 * - download: `synapse.storage.download(pieceCid)`, which finds a provider of the wallet's data sets that has the
 *   piece, streams it and recomputes its piece CID (CommPv2) before returning it.
 * - delete: `StorageContext.deletePiece(pieceId)` on a context for the piece's data set (a signed
 *   `schedulePieceRemovals` sent to the provider).
 *
 * @module
 */
import type { CID } from "multiformats/cid";
import pino, { type Logger } from "pino";
import type { StorageContext } from "@filoz/synapse-sdk";
import type { SynapseService } from "filecoin-pin/dist/core/synapse/index.js";
import { loadEsm } from "./esm";
import { ContentIntegrityError, FilecoinRetrievalError, FilecoinUploadError } from "./errors";
import type { FilecoinPinConfig } from "./filecoin-pin-config";

/** Where an uploaded CAR ended up. */
export interface PieceUpload {
  /** Piece CID (CommPv2) the provider stored the CAR as. */
  readonly pieceCid: string;
  /** Piece id in the data set, if the provider confirmed one. */
  readonly pieceId?: number;
  /** Data set id. */
  readonly dataSetId: string;
}

/** What {@link FilecoinPinStore} needs from Filecoin Onchain Cloud; {@link openFilecoinPinBackend} is the real one. */
export interface FilecoinPinBackend {
  /** `mainnet` or `calibration`. */
  readonly network: string;
  /**
   * Uploads a CAR whose root is `root` as one piece and adds it to the data set.
   * @throws {FilecoinUploadError} If the wallet is not ready or the upload fails.
   */
  upload(car: Uint8Array, root: CID): Promise<PieceUpload>;
  /**
   * Downloads a piece, verified against its piece CID.
   * @throws {ContentIntegrityError} If the bytes do not hash to `pieceCid`.
   * @throws {FilecoinRetrievalError} If no provider serves it.
   */
  download(pieceCid: string): Promise<Uint8Array>;
  /**
   * Schedules removal of a piece from its data set.
   * @throws {FilecoinRetrievalError} If the provider refuses.
   */
  deletePiece(piece: { readonly pieceCid: string; readonly pieceId: number; readonly dataSetId: string }): Promise<void>;
  /** Closes the RPC connection. */
  close(): Promise<void>;
}

/** Options of {@link openFilecoinPinBackend}. */
export interface FilecoinPinBackendOptions {
  /** Receives `filecoin-pin`'s structured logs (CIDs, ids, events; never payload). Default: silent. */
  readonly logger?: Logger;
}

/**
 * Connects to Filecoin Onchain Cloud through `filecoin-pin` and selects a provider and data set.
 * @param config A validated configuration ({@link validateFilecoinPinConfig}).
 * @param options Logger.
 * @returns The backend; {@link FilecoinPinBackend.close} it when done.
 */
export async function openFilecoinPinBackend(
  config: FilecoinPinConfig,
  options: FilecoinPinBackendOptions = {},
): Promise<FilecoinPinBackend> {
  const logger = options.logger ?? pino({ level: "silent" });
  const { initializeSynapse, createStorageContext, cleanupProvider } = await loadEsm("filecoin-pin/core/synapse");
  const synapse = await initializeSynapse(
    {
      privateKey: config.privateKey,
      rpcUrl: config.rpcUrl,
      withCDN: config.withCDN === true,
      telemetry: { sentryInitOptions: { enabled: config.telemetry === true } },
    },
    logger,
  );
  try {
    const { storage, providerInfo } = await createStorageContext(synapse, logger, {
      ...(config.dataSetId !== undefined ? { dataset: { useExisting: config.dataSetId } } : {}),
      ...(config.providerId !== undefined ? { providerId: config.providerId } : {}),
    });
    return new FilecoinPinLibraryBackend({ synapse, storage, providerInfo }, config, logger, () =>
      cleanupProvider(synapse.getProvider()),
    );
  } catch (err) {
    await cleanupProvider(synapse.getProvider());
    throw err;
  }
}

/** {@link FilecoinPinBackend} over `filecoin-pin`'s core API. */
class FilecoinPinLibraryBackend implements FilecoinPinBackend {
  readonly network: string;
  /** Storage contexts of other data sets than the upload context's, for deletions. */
  readonly #contexts = new Map<string, Promise<StorageContext>>();

  constructor(
    private readonly service: SynapseService,
    private readonly config: FilecoinPinConfig,
    private readonly logger: Logger,
    private readonly cleanup: () => Promise<void>,
  ) {
    this.network = service.synapse.getNetwork();
  }

  async upload(car: Uint8Array, root: CID): Promise<PieceUpload> {
    const { checkUploadReadiness, executeUpload } = await loadEsm("filecoin-pin/core/upload");
    const readiness = await checkUploadReadiness({
      synapse: this.service.synapse,
      fileSize: car.length,
      autoConfigureAllowances: this.config.autoConfigureAllowances === true,
    });
    if (readiness.status !== "ready") {
      const reason =
        readiness.validation.errorMessage ??
        (readiness.allowances.needsUpdate ? "Filecoin Pay allowances are not set" : "insufficient deposit");
      throw new FilecoinUploadError(`wallet not ready to upload ${car.length} bytes: ${reason}`, readiness.suggestions);
    }
    try {
      const result = await executeUpload(this.service, car, root, {
        logger: this.logger,
        contextId: root.toString(),
        ipniValidation: { enabled: false },
      });
      return {
        pieceCid: result.pieceCid,
        ...(result.pieceId !== undefined ? { pieceId: result.pieceId } : {}),
        dataSetId: result.dataSetId,
      };
    } catch (err) {
      throw new FilecoinUploadError(`upload of ${root.toString()} failed: ${messageOf(err)}`, [], { cause: err });
    }
  }

  async download(pieceCid: string): Promise<Uint8Array> {
    try {
      return await this.service.synapse.storage.download(pieceCid);
    } catch (err) {
      const message = messageOf(err);
      if (/PieceCID verification failed/i.test(message)) {
        throw new ContentIntegrityError(pieceCid, "piece bytes do not hash to the piece CID", { cause: err });
      }
      throw new FilecoinRetrievalError(pieceCid, `download failed: ${message}`, { cause: err });
    }
  }

  async deletePiece(piece: { pieceCid: string; pieceId: number; dataSetId: string }): Promise<void> {
    const { pieceCid, pieceId, dataSetId } = piece;
    try {
      const context = await this.#contextFor(dataSetId);
      await context.deletePiece(pieceId);
    } catch (err) {
      throw new FilecoinRetrievalError(pieceCid, `removal of piece ${pieceId} failed: ${messageOf(err)}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    await this.cleanup();
  }

  /** The upload context if it is on `dataSetId`, else a (cached) context for that data set. */
  async #contextFor(dataSetId: string): Promise<StorageContext> {
    if (String(this.service.storage.dataSetId) === dataSetId) return this.service.storage;
    let context = this.#contexts.get(dataSetId);
    if (context === undefined) {
      const { createStorageContext } = await loadEsm("filecoin-pin/core/synapse");
      context = createStorageContext(this.service.synapse, this.logger, {
        dataset: { useExisting: Number(dataSetId) },
      }).then(({ storage }) => storage);
      context.catch(() => this.#contexts.delete(dataSetId));
      this.#contexts.set(dataSetId, context);
    }
    return context;
  }
}

/** An error's message without its stack (library messages carry URLs, CIDs, ids; never payload). */
function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
