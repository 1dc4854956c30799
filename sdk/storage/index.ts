/**
 * `sdk/storage`: content-addressed storage of sealed medrec records (see ARCHITECTURE.md, "Components").
 *
 * - {@link ContentStore}: `put(bytes) → { cid, cidBytes, size, contentHash }`, `get(cid, { expectedContentHash })`,
 *   `remove(cid)`, `close()`.
 * - {@link HeliaContentStore}: the embedded default, a Helia IPFS node persisted to a folder, offline.
 * - {@link FilecoinPinStore}: Filecoin Onchain Cloud through `filecoin-pin`, configured from `FILECOIN_PIN_*`.
 * - Every object is a UnixFS file with CIDv1, raw leaves and 1 MiB chunks ({@link UNIXFS_IMPORT_SETTINGS}), so
 *   both stores give the same bytes the same CID; every `get` re-hashes every block against its CID.
 *
 * The interface, the content-hash check and the errors are in `./core`, which runs in a browser.
 *
 * Errors are `MedrecError`s: {@link ContentNotFoundError}, {@link ContentIntegrityError},
 * `ContentHashMismatchError`, {@link UnsupportedCidError}, `InvalidArgumentError`, {@link StoreClosedError},
 * {@link StorageConfigError}, {@link FilecoinUploadError}, {@link FilecoinRetrievalError}.
 *
 * @module
 */

export * from "./core";
export { HeliaContentStore, BLOCKS_FOLDER, DATASTORE_FOLDER, type HeliaContentStoreOptions } from "./helia-store";
export { PINS_FOLDER } from "./pin-index";
export {
  FilecoinPinStore,
  type FilecoinGetOptions,
  type FilecoinPinStoreOptions,
  type FilecoinPutResult,
} from "./filecoin-pin-store";
export {
  FILECOIN_PIN_ENV,
  filecoinPinConfigFromEnv,
  validateFilecoinPinConfig,
  type FilecoinPinConfig,
} from "./filecoin-pin-config";
export {
  openFilecoinPinBackend,
  type FilecoinPinBackend,
  type FilecoinPinBackendOptions,
  type PieceUpload,
} from "./filecoin-pin-backend";
export { PieceIndex, PIECE_INDEX_FILE, type PieceIndexEntry } from "./piece-index";
export { encodeCar, decodeCar, MIN_PIECE_PAYLOAD, PADDING_PREFIX, type CarBlock } from "./car";
export { importFile, CHUNK_SIZE, MAX_CHILDREN_PER_NODE, UNIXFS_IMPORT_SETTINGS } from "./unixfs";
export { objectBlocks, objectDag, rawBlockCid, type ObjectBlock, type ObjectBlocks, type ObjectDag } from "./object-blocks";
export { readVerifiedFile, collectVerifiedBlocks, verifyBlock, type BlockReader } from "./verified-dag";
export {
  parseCid,
  toServedCid,
  assertServedCid,
  assertBlockCid,
  RAW_CODEC,
  DAG_PB_CODEC,
  SHA2_256_CODE,
  SHA2_256_LENGTH,
} from "./cid";
export { loadEsm, type EsmModules, type EsmSpecifier } from "./esm";
export { ensurePromiseWithResolvers } from "./node-compat";
