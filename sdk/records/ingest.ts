/**
 * Ingest: FHIR in → validated, split, canonicalised → each record sealed for its token id (known before the mint),
 * stored by CID, its wraps kept → minted in `mintBatch` chunks, pipelined (see `mint-pipeline.ts`).
 *
 * With the writer's ingest index, token ids are derived from the records' identities (`ingest-salt.ts`): running an
 * ingest again after a crash or a revert finds on the chain what is minted already, reports it `unchanged` and
 * mints the rest; nothing is minted twice.
 *
 * @module
 */
import { SEALED_RECORD_OVERHEAD } from "../crypto";
import type { RecordsContext } from "./context";
import { describe, planRecord, type RecordPlan } from "./ingest-stage";
import type { BulkIngestItem, IngestedRecord, IngestOptions, IngestProgress, IngestSettings } from "./ingest-types";
import { mintPipeline, rememberAll } from "./mint-pipeline";
import { prepareRecords, type PreparedRecord } from "./prepare";
import { prepareThreads, type PrepareThreads } from "./prepare-threads";
import type { RecordWriter } from "./record-writer";

export { prepareRecords, type PreparedRecord } from "./prepare";
export type { BulkIngestItem, IngestedRecord, IngestOptions, IngestProgress, IngestSettings } from "./ingest-types";

/**
 * Writes one prepared record: its token id is known before the mint (derived from its identity in the writer's
 * index, or from a fresh salt), so that it is bound into the ciphertext's AAD from the start; encrypts, stores the
 * ciphertext, keeps the wrapped keys and mints.
 */
export async function writeRecord(context: RecordsContext, record: PreparedRecord, options: IngestOptions): Promise<IngestedRecord> {
  const [[written]] = await ingestBundles(context, [{ prepared: [record], options }]);
  return written;
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
  const [written] = await ingestBundles(context, [{ input, options }]);
  return written;
}

/**
 * Ingests many inputs. Inputs given as FHIR are prepared (validated, split, canonicalised) up to `concurrency`
 * inputs ahead of the writes; items already `prepared` (e.g. by `prepareInParallel`) are not validated again.
 * Records are sealed and stored input after input (the next input's while this one's are added), and minted in `mintBatch` chunks of one patient and writer
 * (across inputs), each chunk sent with the writer's next nonce while earlier ones wait for their receipts (up
 * to `writer.maxInFlight`). Progress is reported after every record, in input order, once its mint is mined. An
 * invalid input stops the run before any of its records is stored; inputs before it are written.
 * @param context Chain, record token, content store and key store.
 * @param items The inputs and their options.
 * @param settings `concurrency` of the preparation (default 4), `prepareThreads` (worker threads that prepare the
 *   inputs given as FHIR text or bytes; default none), an `onProgress` callback, `chunkRecords` per `mintBatch`.
 * @returns Per input, the records written or found unchanged, in the order of {@link prepareRecords}.
 */
export async function ingestBundles(context: RecordsContext, items: BulkIngestItem[], settings: IngestSettings = {}): Promise<IngestedRecord[][]> {
  const threads = (settings.prepareThreads ?? 0) > 0 ? prepareThreads(settings.prepareThreads!) : undefined;
  try {
    return await ingestWith(context, items, settings, threads);
  } finally {
    await threads?.close();
  }
}

/** {@link ingestBundles} with its preparation threads, if any. */
async function ingestWith(context: RecordsContext, items: BulkIngestItem[], settings: IngestSettings, threads: PrepareThreads | undefined): Promise<IngestedRecord[][]> {
  const concurrency = Math.max(1, settings.concurrency ?? 4);
  const progress: IngestProgress = { done: 0, total: items.length, records: 0, recordsTotal: 0, bytes: 0, bytesTotal: 0, unchanged: 0 };
  const prepared = preparer(
    items,
    concurrency,
    (records) => {
      progress.recordsTotal += records.length;
      progress.bytesTotal += records.reduce((n, r) => n + r.plaintext.length, 0);
    },
    threads,
  );
  const pipeline = mintPipeline(context, { chunkRecords: settings.chunkRecords });
  const writers = writerState();
  /** The first record of each identity in this run: an identical one later is that record, unchanged. */
  const firsts = new Map<string, Promise<IngestedRecord>>();
  const results: IngestedRecord[][] = [];
  let reporting: Promise<void> = Promise.resolve();

  const report = async (records: PreparedRecord[], written: Promise<IngestedRecord>[]) => {
    const out: IngestedRecord[] = [];
    for (const [i, promise] of written.entries()) {
      const record = await promise;
      out.push(record);
      progress.records++;
      progress.bytes += records[i].plaintext.length;
      if (record.status === "unchanged") progress.unchanged++;
      settings.onProgress?.({ ...progress });
    }
    results.push(out);
    progress.done++;
    settings.onProgress?.({ ...progress });
  };

  /**
   * Input `index` prepared and its records' plans started (each sealed and stored unless known). The first record
   * of each identity claims it in `firsts` here, at plan time, so that an identical record of this input or of the
   * next (planned while this one is added) follows it instead of being planned twice.
   */
  const planInput = async (index: number) => {
    const records = await prepared(index);
    const { options } = items[index];
    const issuer = await writers.ready(options);
    const identities = records.map((record) => options.index?.identify(options.patient, record.plaintext));
    const claims = new Map<number, (written: Promise<IngestedRecord>) => void>();
    const plans = records.map((record, i) => {
      const identity = identities[i];
      if (identity !== undefined) {
        if (firsts.has(identity)) return undefined;
        let claim!: (written: Promise<IngestedRecord>) => void;
        const first = new Promise<IngestedRecord>((resolve) => (claim = resolve));
        first.catch(() => undefined); // followed by its duplicates, if any
        firsts.set(identity, first);
        claims.set(i, claim);
      }
      const plan = planRecord(context, record, options, issuer);
      plan.catch(() => undefined); // awaited in order below
      return plan;
    });
    return { records, options, identities, plans, claims };
  };

  let ahead: ReturnType<typeof planInput> | undefined;
  let current: ReturnType<typeof planInput> | undefined;
  try {
    // One input planned ahead: its sealing and storing (WebCrypto and file writes, off the main thread) overlap
    // the adding of this one's records, instead of the main thread waiting on them input after input.
    ahead = items.length > 0 ? planInput(0) : undefined;
    for (let index = 0; index < items.length && pipeline.failure === undefined; index++) {
      current = ahead!;
      const { records, options, identities, plans, claims } = await current;
      if (index + 1 < items.length && pipeline.failure === undefined) {
        ahead = planInput(index + 1);
        ahead.catch(() => undefined); // awaited in its turn
      }
      const written: Promise<IngestedRecord>[] = [];
      for (const [i, planned] of plans.entries()) {
        let promise: Promise<IngestedRecord>;
        if (planned === undefined) {
          promise = firsts.get(identities[i]!)!.then((first) => duplicate(first, records[i]));
        } else {
          const plan = await planned;
          promise = "staged" in plan ? (await pipeline.add(plan.staged, options)).written : settle(plan, options);
        }
        promise.catch(() => undefined); // reported in order
        claims.get(i)?.(promise);
        written.push(promise);
      }
      reporting = reporting.then(() => report(records, written));
      reporting.catch(() => undefined); // awaited below
    }
  } catch (error) {
    await Promise.all([settled(current), settled(ahead)]); // no store write outlives the run
    await pipeline.drain().catch(() => undefined);
    await reporting.catch(() => undefined);
    throw error;
  }
  await settled(ahead); // planned ahead when the pipeline failed meanwhile: its stores finish before the failure is thrown
  await pipeline.drain();
  await reporting;
  return results;
}

/** Resolves once an input planned ahead and every plan of it have settled, whatever their outcome. */
async function settled(input: Promise<{ plans: (Promise<unknown> | undefined)[] }> | undefined): Promise<void> {
  const planned = await input?.catch(() => undefined);
  if (planned) await Promise.allSettled(planned.plans);
}

/** A record known already: noted in the index when the chain, not the index, knew it. */
async function settle(plan: Extract<RecordPlan, { done: IngestedRecord }>, options: IngestOptions): Promise<IngestedRecord> {
  if (plan.remember && plan.identity !== undefined && options.index !== undefined) await rememberAll(options.index, [[plan.identity, plan.done.tokenId]]);
  return plan.done;
}

/** A record identical to one earlier in the same run: that record's token, `unchanged`. */
function duplicate(first: IngestedRecord, record: PreparedRecord): IngestedRecord {
  return { ...first, ...describe(record), status: "unchanged", wrapsAdded: 0, size: record.plaintext.length + SEALED_RECORD_OVERHEAD };
}

/** Each writer's issuer address, and a settled writer (no transaction of an earlier run pending) before a resumable ingest. */
function writerState() {
  const issuers = new Map<RecordWriter, Promise<string>>();
  const settled = new Map<RecordWriter, Promise<void>>();
  return {
    async ready(options: IngestOptions): Promise<string> {
      const { writer } = options;
      if (options.index !== undefined) {
        if (!settled.has(writer)) settled.set(writer, writer.settle());
        await settled.get(writer);
      }
      if (!issuers.has(writer)) issuers.set(writer, writer.issuer());
      return issuers.get(writer)!;
    },
  };
}

/**
 * The records of input `index`, prepared up to `concurrency` inputs ahead of the one asked for: on the
 * preparation threads when there are any and the input is FHIR text or bytes, else in this thread.
 * @param onPrepared Called once per input as it is prepared.
 */
function preparer(items: BulkIngestItem[], concurrency: number, onPrepared: (records: PreparedRecord[]) => void, threads?: PrepareThreads) {
  const prepared: Promise<PreparedRecord[]>[] = new Array(items.length);
  let next = 0;
  const prepare = (item: BulkIngestItem): Promise<PreparedRecord[]> => {
    if ("prepared" in item) return Promise.resolve(item.prepared);
    const { input } = item;
    if (threads !== undefined && (typeof input === "string" || input instanceof Uint8Array)) {
      return threads.prepare(typeof input === "string" ? new TextEncoder().encode(input) : input);
    }
    return Promise.resolve().then(() => prepareRecords(input));
  };
  return (index: number): Promise<PreparedRecord[]> => {
    while (next < items.length && next <= index + concurrency) {
      const promise = prepare(items[next]);
      promise.then(onPrepared, () => undefined); // a failure surfaces when awaited in order
      prepared[next++] = promise;
    }
    return prepared[index];
  };
}
