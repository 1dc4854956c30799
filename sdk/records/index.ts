/**
 * `sdk/records`: the data path of a health record — FHIR in, ciphertext to content-addressed storage, a
 * pointer on-chain; and back out again, verified at every step. The read side (`./core`) runs in a browser;
 * ingest and the on-disk key store are Node.
 *
 * @module
 */
export * from "./core";
export { fileKeyStore } from "./file-key-store";
export {
  ingestRecord,
  ingestBundles,
  prepareRecords,
  writeRecord,
  type IngestOptions,
  type IngestedRecord,
  type IngestProgress,
  type BulkIngestItem,
  type IngestSettings,
  type PreparedRecord,
} from "./ingest";
export { fileIngestIndex, ingestIndexKey, memoryIngestIndex, recordIdentity, type IngestIndex } from "./ingest-index";
export { prepareInParallel, PrepareFailedError, PARALLEL_THRESHOLD_BYTES, type PrepareSettings, type PrepareOutcome } from "./prepare-pool";
export { describeRecord, type RecordDescription } from "./describe";
export { ingestSalt, planSlot, MAX_SALT_ATTEMPTS, type SlotState, type SlotPlan } from "./ingest-salt";
export { chunkGasLimit, entryGas, fitsInChunk, MAX_CHUNK_GAS, MAX_CHUNK_RECORDS, RAW_RECORD_GAS, DAG_RECORD_GAS, MINT_BATCH_BASE_GAS } from "./mint-chunks";
