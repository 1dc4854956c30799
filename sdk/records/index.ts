/**
 * `sdk/records`: the data path of a health record — FHIR in, ciphertext to content-addressed storage, a
 * pointer on-chain; and back out again, verified at every step.
 *
 * @module
 */
export { recordsContext, type RecordsContext } from "./context";
export { fileKeyStore, type KeyStore, type RecordVersionRef, type StoredWrap } from "./key-store";
export { eoaRecordWriter, accountRecordWriter, type RecordWriter, type MintRequest, type UpdateRequest } from "./record-writer";
export {
  ingestRecord,
  ingestBundles,
  prepareRecords,
  writeRecord,
  type IngestOptions,
  type IngestedRecord,
  type IngestProgress,
  type BulkIngestItem,
  type PreparedRecord,
} from "./ingest";
export { fileIngestIndex, ingestIndexKey, memoryIngestIndex, recordIdentity, type IngestIndex } from "./ingest-index";
export { prepareInParallel, PrepareFailedError, PARALLEL_THRESHOLD_BYTES, type PrepareSettings, type PrepareOutcome } from "./prepare-pool";
export { readRecord, localKeys, type ReadRecordResult, type KeySource, type RecordKey } from "./read";
export { recordKindText } from "./kind";
export { forgetRecord, type ForgottenRecord } from "./forget";
export { RecordKeyNotFoundError, RecordNotFoundError, RecordPermissionError, RecordVersionChangedError, RecordWriteError } from "./errors";
export { describeRecord, type RecordDescription } from "./describe";
