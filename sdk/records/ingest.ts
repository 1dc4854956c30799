import { encodeBytes32String, getAddress, getBytes } from "ethers";
import { SEALED_RECORD_OVERHEAD, getEncryptionPublicKey, rewrapKey, sealRecord, type BytesLike } from "../crypto";
import { equalBytes } from "../crypto/bytes";
import { parseCid } from "../storage/cid";
import type { PutResult } from "../storage/types";
import type { RecordsContext } from "./context";
import { versionRef } from "./context";
import type { IngestIndex } from "./ingest-index";
import { prepareRecords, type PreparedRecord } from "./prepare";

export { prepareRecords, type PreparedRecord } from "./prepare";
import type { RecordWriter } from "./record-writer";
import { RecordWriteError } from "./errors";

/** Who a record is written for and who may open it. */
export interface IngestOptions {
  /** The patient account the record tokens are minted to. */
  patient: string;
  /** X25519 public keys the data key is wrapped to: the patient's, the resolver's, any grantee's. */
  recipients: BytesLike[];
  /** Sends the mints and updates. */
  writer: RecordWriter;
  /** The writer's index of records already ingested: identical records are then skipped, not minted again. */
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
  /** `minted`: a new token; `unchanged`: this exact record was already the patient's token (see {@link IngestOptions.index}). */
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

async function sealAndPut(context: RecordsContext, record: PreparedRecord, tokenId: bigint, version: bigint, options: IngestOptions) {
  const ref = await versionRef(context, tokenId, version);
  const envelope = await sealRecord(record.plaintext, ref, options.recipients);
  const put: PutResult = await context.store.put(envelope.sealed);
  return { ref, put, wraps: envelope.wraps };
}

/**
 * Writes one prepared record: encrypts it for the token id the chain will assign next (bound into the AAD),
 * stores the ciphertext, mints the token and keeps the wrapped keys. If another mint took that id first, the
 * record is re-encrypted for the id it got and the token is updated to it (version 2); the orphan is removed.
 */
export async function writeRecord(context: RecordsContext, record: PreparedRecord, options: IngestOptions): Promise<IngestedRecord> {
  const identity = options.index?.identify(options.patient, record.plaintext);
  if (identity !== undefined) {
    const known = await alreadyIngested(context, options, identity, record);
    if (known) return known;
  }
  const written = await mintRecord(context, record, options);
  if (identity !== undefined) await options.index?.remember(identity, written.tokenId);
  return written;
}

/** The patient's live token of this identity, described, or `undefined`. */
async function alreadyIngested(context: RecordsContext, options: IngestOptions, identity: string, record: PreparedRecord): Promise<IngestedRecord | undefined> {
  const tokenId = await options.index?.lookup(identity);
  if (tokenId === undefined) return undefined;
  const owner = await context.recordToken.patientOf(tokenId);
  if (BigInt(owner) === 0n || getAddress(owner) !== getAddress(options.patient)) return undefined; // burned, or not this patient's
  const onChain = await context.recordToken.recordOf(tokenId);
  const wrapsAdded = await addMissingWraps(context, options, await versionRef(context, tokenId, onChain.version));
  return {
    status: "unchanged",
    wrapsAdded,
    tokenId,
    version: onChain.version,
    ...describe(record),
    cid: (await parseCid(getBytes(onChain.cid))).toString(),
    contentHash: onChain.contentHash,
    size: record.plaintext.length + SEALED_RECORD_OVERHEAD,
  };
}

/** Wraps the stored record's key to every recipient that has no wrap of it yet; returns how many. */
async function addMissingWraps(context: RecordsContext, options: IngestOptions, ref: Awaited<ReturnType<typeof versionRef>>): Promise<number> {
  const wraps = await context.keys.load(ref);
  const has = (key: Uint8Array) => wraps.some((w) => equalBytes(w.recipient, key));
  const missing = options.recipients.map((r) => toBytes(r)).filter((r, i, all) => !has(r) && all.findIndex((o) => equalBytes(o, r)) === i);
  if (missing.length === 0) return 0;
  const own = options.rewrapWith === undefined ? undefined : wraps.find((w) => equalBytes(w.recipient, getEncryptionPublicKey(options.rewrapWith!)));
  if (!own || options.rewrapWith === undefined) {
    throw new RecordWriteError(
      `record #${ref.tokenId} is already stored, but ${missing.length} recipient${missing.length === 1 ? " has" : "s have"} no wrap of its key yet, and the writer's own wrap is not at hand to make one`,
    );
  }
  await context.keys.save(
    ref,
    await Promise.all(missing.map(async (recipient) => ({ recipient, wrappedKey: await rewrapKey(own.wrappedKey, options.rewrapWith!, recipient, ref) }))),
  );
  return missing.length;
}

function toBytes(key: BytesLike): Uint8Array {
  return typeof key === "string" ? getBytes(key) : key;
}

function describe(record: PreparedRecord): Pick<IngestedRecord, "kind" | "encounter" | "period"> {
  return {
    kind: record.kind,
    ...(record.encounter === undefined ? {} : { encounter: record.encounter }),
    ...(record.period === undefined ? {} : { period: record.period }),
  };
}

async function mintRecord(context: RecordsContext, record: PreparedRecord, options: IngestOptions): Promise<IngestedRecord> {
  const predicted = await context.recordToken.nextTokenId();
  const first = await sealAndPut(context, record, predicted, 1n, options);
  let kind: string;
  try {
    kind = encodeBytes32String(record.kind);
  } catch {
    throw new RecordWriteError(`record kind ${record.kind} does not fit in 31 bytes`);
  }
  const { tokenId } = await options.writer.mint({ patient: options.patient, cid: first.put.cidBytes, contentHash: first.put.contentHash, kind });
  if (tokenId === predicted) {
    await context.keys.save(first.ref, first.wraps);
    return { status: "minted", tokenId, version: 1n, ...describe(record), cid: first.put.cid, contentHash: first.put.contentHash, size: first.put.size };
  }
  const second = await sealAndPut(context, record, tokenId, 2n, options);
  await options.writer.update({ tokenId, cid: second.put.cidBytes, contentHash: second.put.contentHash, version: 2n });
  await context.keys.save(second.ref, second.wraps);
  await context.store.remove(first.put.cid);
  return { status: "minted", tokenId, version: 2n, ...describe(record), cid: second.put.cid, contentHash: second.put.contentHash, size: second.put.size };
}

/**
 * `ingestRecord(bundle, patient)`: validate → split → encrypt → put → mint, for every record of a FHIR R4
 * bundle (or a single resource).
 * @param context Chain, record token, content store and key store.
 * @param input FHIR R4 JSON: a Bundle or one resource (object, JSON string or UTF-8 bytes).
 * @param options The patient, the recipients of the data keys and the writer.
 * @returns The records written, in the order of {@link prepareRecords}.
 */
export async function ingestRecord(context: RecordsContext, input: unknown, options: IngestOptions): Promise<IngestedRecord[]> {
  const written: IngestedRecord[] = [];
  for (const record of prepareRecords(input)) written.push(await writeRecord(context, record, options));
  return written;
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

/**
 * Ingests many inputs. Inputs given as FHIR are prepared (validated, split, canonicalised) with bounded
 * concurrency ahead of the writes; items already `prepared` (e.g. by `prepareInParallel`) are not
 * validated again. The writes (encrypt → put → mint) go one at a time so that each writer's
 * transactions stay in order, and progress is reported after every record. An invalid input stops the
 * run before any of its records is stored; inputs written before it stay written.
 * @param context Chain, record token, content store and key store.
 * @param items The inputs and their options.
 * @param settings `concurrency` of the in-process preparation stage (default 4) and an `onProgress` callback.
 */
export async function ingestBundles(
  context: RecordsContext,
  items: BulkIngestItem[],
  settings: { concurrency?: number; onProgress?: (progress: IngestProgress) => void } = {},
): Promise<IngestedRecord[][]> {
  const concurrency = Math.max(1, settings.concurrency ?? 4);
  const prepared: Promise<PreparedRecord[]>[] = new Array(items.length);
  const progress: IngestProgress = { done: 0, total: items.length, records: 0, recordsTotal: 0, bytes: 0, bytesTotal: 0, unchanged: 0 };
  let next = 0;
  const startPreparing = () => {
    while (next < items.length && next < progress.done + concurrency) {
      const item = items[next];
      const index = next++;
      prepared[index] = Promise.resolve().then(() => ("prepared" in item ? item.prepared : prepareRecords(item.input)));
      prepared[index].then(
        (records) => {
          progress.recordsTotal += records.length;
          progress.bytesTotal += records.reduce((n, r) => n + r.plaintext.length, 0);
        },
        () => undefined, // surfaced when awaited in order below
      );
    }
  };
  const results: IngestedRecord[][] = [];
  startPreparing();
  for (let index = 0; index < items.length; index++) {
    const batch = await prepared[index];
    const out: IngestedRecord[] = [];
    for (const record of batch) {
      const written = await writeRecord(context, record, items[index].options);
      out.push(written);
      progress.records++;
      progress.bytes += record.plaintext.length;
      if (written.status === "unchanged") progress.unchanged++;
      settings.onProgress?.({ ...progress });
    }
    results.push(out);
    progress.done++;
    settings.onProgress?.({ ...progress });
    startPreparing();
  }
  return results;
}
