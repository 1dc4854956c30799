import { encodeBytes32String } from "ethers";
import type { Bundle, Resource } from "@medplum/fhirtypes";
import { canonicalize, splitBundle, validateFhir, type FhirRecord } from "../fhir";
import { sealRecord, type BytesLike } from "../crypto";
import type { PutResult } from "../storage/types";
import type { RecordsContext } from "./context";
import { versionRef } from "./context";
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
}

/** One record written to the chain. */
export interface IngestedRecord {
  tokenId: bigint;
  version: bigint;
  /** The FHIR record kind (resource category). */
  kind: string;
  encounter?: string;
  cid: string;
  contentHash: string;
  size: number;
}

/** A validated input, split into records and canonicalised: nothing of it is stored yet. */
export interface PreparedRecord {
  kind: string;
  encounter?: string;
  plaintext: Uint8Array;
}

/**
 * Validates a FHIR R4 bundle or resource and splits it into records (one per encounter and resource
 * category), each as canonical JSON bytes. Invalid input throws `FhirValidationError` and nothing is stored.
 */
export function prepareRecords(input: unknown): PreparedRecord[] {
  const resource = validateFhir(input) as Resource;
  const records: FhirRecord[] =
    resource.resourceType === "Bundle"
      ? splitBundle(resource as Bundle)
      : splitBundle({ resourceType: "Bundle", type: "collection", entry: [{ resource }] });
  return records.map((record) => ({ kind: record.kind, encounter: record.encounter, plaintext: canonicalize(record.bundle) }));
}

async function sealAndPut(context: RecordsContext, record: PreparedRecord, tokenId: bigint, version: bigint, options: IngestOptions) {
  const ref = await versionRef(context, tokenId, version);
  const envelope = sealRecord(record.plaintext, ref, options.recipients);
  const put: PutResult = await context.store.put(envelope.sealed);
  return { ref, put, wraps: envelope.wraps };
}

/**
 * Writes one prepared record: encrypts it for the token id the chain will assign next (bound into the AAD),
 * stores the ciphertext, mints the token and keeps the wrapped keys. If another mint took that id first, the
 * record is re-encrypted for the id it got and the token is updated to it (version 2); the orphan is removed.
 */
export async function writeRecord(context: RecordsContext, record: PreparedRecord, options: IngestOptions): Promise<IngestedRecord> {
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
    return { tokenId, version: 1n, kind: record.kind, encounter: record.encounter, cid: first.put.cid, contentHash: first.put.contentHash, size: first.put.size };
  }
  const second = await sealAndPut(context, record, tokenId, 2n, options);
  await options.writer.update({ tokenId, cid: second.put.cidBytes, contentHash: second.put.contentHash, version: 2n });
  await context.keys.save(second.ref, second.wraps);
  await context.store.remove(first.put.cid);
  return { tokenId, version: 2n, kind: record.kind, encounter: record.encounter, cid: second.put.cid, contentHash: second.put.contentHash, size: second.put.size };
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
  /** Records (tokens) written so far. */
  records: number;
}

/** One input of a bulk ingest and for whom it is written. */
export interface BulkIngestItem {
  input: unknown;
  options: IngestOptions;
}

/**
 * Ingests many inputs: validation, splitting and canonicalisation run with bounded concurrency; the writes
 * (encrypt → put → mint) go one at a time so that each writer's transactions stay in order. An invalid input
 * stops the run before any of its records is stored; inputs written before it stay written.
 * @param context Chain, record token, content store and key store.
 * @param items The inputs and their options.
 * @param settings `concurrency` of the preparation stage (default 4) and an `onProgress` callback.
 */
export async function ingestBundles(
  context: RecordsContext,
  items: BulkIngestItem[],
  settings: { concurrency?: number; onProgress?: (progress: IngestProgress) => void } = {},
): Promise<IngestedRecord[][]> {
  const concurrency = Math.max(1, settings.concurrency ?? 4);
  const prepared: Promise<PreparedRecord[]>[] = new Array(items.length);
  let next = 0;
  const startPreparing = () => {
    while (next < items.length && next < written + concurrency) {
      const index = next++;
      prepared[index] = Promise.resolve().then(() => prepareRecords(items[index].input));
      prepared[index].catch(() => undefined); // surfaced when awaited in order below
    }
  };
  let written = 0;
  let records = 0;
  const results: IngestedRecord[][] = [];
  startPreparing();
  for (let index = 0; index < items.length; index++) {
    const batch = await prepared[index];
    const out: IngestedRecord[] = [];
    for (const record of batch) out.push(await writeRecord(context, record, items[index].options));
    results.push(out);
    written++;
    records += out.length;
    settings.onProgress?.({ done: written, total: items.length, records });
    startPreparing();
  }
  return results;
}
