/**
 * The records domain a reader needs, importing no Node built-in: the records context, the `KeyStore` interface,
 * the one read path (`readRecord`, with the reader's own wraps or a resolver as key source), record kinds, the
 * record writers and `forgetRecord`, and the domain's errors. `sdk/records` adds ingest (worker pool, file-based
 * ingest index) and the on-disk `fileKeyStore`.
 *
 * @module
 */
export { recordsContext, type RecordsContext } from "./context";
export { type KeyStore, type RecordVersionRef, type StoredWrap } from "./key-store";
export {
  eoaRecordWriter,
  accountRecordWriter,
  EOA_MAX_IN_FLIGHT,
  type RecordWriter,
  type MintRequest,
  type MintEntry,
  type MintBatchRequest,
  type SentMint,
  type UpdateRequest,
} from "./record-writer";
export { readRecord, localKeys, type ReadRecordResult, type KeySource, type RecordKey } from "./read";
export { recordKindText } from "./kind";
export { forgetRecord, type ForgottenRecord } from "./forget";
export { RecordKeyNotFoundError, RecordNotFoundError, RecordPermissionError, RecordVersionChangedError, RecordWriteError } from "./errors";
