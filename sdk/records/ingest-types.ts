/**
 * The types of an ingest: who a record is written for, what comes back, how progress is reported.
 *
 * @module
 */
import type { BytesLike } from "../crypto";
import type { IngestIndex } from "./ingest-index";
import type { PreparedRecord } from "./prepare";
import type { RecordWriter } from "./record-writer";

/** Who a record is written for and who may open it. */
export interface IngestOptions {
  /** The patient account the record tokens are minted to. */
  patient: string;
  /** X25519 public keys the data key is wrapped to: the patient's, the resolver's, any grantee's. */
  recipients: BytesLike[];
  /** Sends the mints and updates. */
  writer: RecordWriter;
  /**
   * The writer's index of records already ingested: identical records are then skipped, not minted again. With an
   * index, token ids are derived from the records' identities (`ingest-salt.ts`), so that an ingest that was
   * killed or reverted resumes where it stopped when run again; without one, each record gets a random salt.
   */
  index?: IngestIndex;
  /**
   * The writer's X25519 private key (one of `recipients`). When a record is skipped as already stored, a
   * recipient that has no wrap of it yet (a resolver added since) gets one, re-wrapped from the writer's
   * own; without it such a record is refused rather than left unreadable for that recipient.
   */
  rewrapWith?: BytesLike;
}

/** One record written to the chain (or found there already). */
export interface IngestedRecord {
  /**
   * `minted`: a new token; `unchanged`: this exact record was already the patient's token (see
   * {@link IngestOptions.index}), found in the index or, after an interrupted run, on the chain.
   */
  status: "minted" | "unchanged";
  /** For an `unchanged` record: how many recipients got a wrap they did not have (see {@link IngestOptions.rewrapWith}). */
  wrapsAdded?: number;
  tokenId: bigint;
  version: bigint;
  /** The FHIR record kind (resource category). */
  kind: string;
  encounter?: string;
  /** The period of a record without encounter (see `sdk/fhir` grouping). */
  period?: string;
  cid: string;
  contentHash: string;
  /** Bytes of the sealed record. */
  size: number;
}

/** Progress of a bulk ingest. */
export interface IngestProgress {
  /** Inputs fully written. */
  done: number;
  total: number;
  /** Records (tokens) written or found unchanged so far. */
  records: number;
  /** Records of all inputs prepared so far (every input's, once all are prepared). */
  recordsTotal: number;
  /** Plaintext bytes of the records written so far. */
  bytes: number;
  /** Plaintext bytes of the records of all inputs prepared so far. */
  bytesTotal: number;
  /** Records skipped as already ingested so far. */
  unchanged: number;
}

/** One input of a bulk ingest and for whom it is written: FHIR to prepare, or records already prepared. */
export type BulkIngestItem = { input: unknown; options: IngestOptions } | { prepared: PreparedRecord[]; options: IngestOptions };

/** Settings of a bulk ingest. */
export interface IngestSettings {
  /** Inputs prepared (validated, split, canonicalised) ahead of the writes (default 4). */
  concurrency?: number;
  /**
   * Worker threads that prepare the inputs given as FHIR text or UTF-8 bytes, so that the calling thread seals,
   * stores and mints meanwhile (default 0: everything in the calling thread; Node only). Each thread loads its own
   * copy of the R4 definitions (about half a second and 100 MB), so they pay off on large ingests.
   */
  prepareThreads?: number;
  /** Called after every record (in input order, once its mint is mined) and after every input. */
  onProgress?: (progress: IngestProgress) => void;
  /** The most records per `mintBatch` transaction (default `MAX_CHUNK_RECORDS`, 100; the gas bound applies too). */
  chunkRecords?: number;
}
