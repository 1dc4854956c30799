/**
 * The second half of an ingest: staged records go out in `mintBatch` chunks (one patient, one writer, under the
 * gas bound of `mint-chunks.ts`), each sent with the writer's next nonce while up to `writer.maxInFlight` earlier
 * chunks wait for their receipts, concurrently. A chunk that reverts is checked against the chain: its records
 * that are minted after all (by an earlier run of the same writer, same content) count as minted, the rest are
 * sent again; a revert that no minted id explains fails the ingest.
 *
 * @module
 */
import type { RecordsContext } from "./context";
import { RecordWriteError } from "./errors";
import type { IngestIndex } from "./ingest-index";
import { probeTokenId, type StagedRecord } from "./ingest-stage";
import type { IngestedRecord, IngestOptions } from "./ingest-types";
import { fitsInChunk, MAX_CHUNK_RECORDS } from "./mint-chunks";
import type { RecordWriter } from "./record-writer";

/** How often a chunk is sent again after a revert that ids minted meanwhile explain. */
export const MAX_CHUNK_RETRIES = 3;

interface Pending {
  staged: StagedRecord;
  options: IngestOptions;
  resolve(record: IngestedRecord): void;
  reject(error: unknown): void;
}

/** Sends staged records in chunks, a bounded window of them in flight. */
export interface MintPipeline {
  /**
   * Adds a staged record to the open chunk (sending the chunk first when the record does not fit or is for another
   * patient or writer; that waits while the window is full). Returns once added, with the promise of the record as
   * reported once its mint is mined.
   */
  add(staged: StagedRecord, options: IngestOptions): Promise<{ written: Promise<IngestedRecord> }>;
  /** Sends the open chunk (waiting while the window is full). */
  flush(): Promise<void>;
  /** Sends the open chunk and waits for every chunk; throws the first failure. */
  drain(): Promise<void>;
  /** The first failure, once there is one: nothing more should be added. */
  readonly failure: unknown;
}

/**
 * A mint pipeline over `context`.
 * @param context The record token (for the checks after a revert) and the key stores.
 * @param settings `chunkRecords`: the most records per `mintBatch` (default {@link MAX_CHUNK_RECORDS}; the gas bound applies too).
 */
export function mintPipeline(context: RecordsContext, settings: { chunkRecords?: number } = {}): MintPipeline {
  const chunkRecords = Math.max(1, settings.chunkRecords ?? MAX_CHUNK_RECORDS);
  let open: Pending[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let failed = false;
  const fail = (error: unknown) => {
    if (!failed) (failed = true), (failure = error);
  };

  const flush = async () => {
    if (open.length === 0) return;
    const chunk = open;
    open = [];
    const writer = chunk[0].options.writer;
    while (inFlight.size >= writer.maxInFlight) await Promise.race(inFlight);
    const sending = send(context, writer, chunk);
    const landing: Promise<void> = sending
      .then(() => landed(context, chunk))
      .catch((error: unknown) => {
        fail(error);
        for (const p of chunk) p.reject(error);
      });
    inFlight.add(landing);
    void landing.finally(() => inFlight.delete(landing));
    // The send itself (the nonce is taken in order) before the next chunk goes.
    await sending.sentOrFailed;
  };

  return {
    get failure() {
      return failure;
    },
    async add(staged, options) {
      const first = open[0];
      if (first && (first.options.writer !== options.writer || first.options.patient !== options.patient || open.length >= chunkRecords || !fitsInChunk(open.map((p) => p.staged.entry), staged.entry))) {
        await flush();
      }
      let resolve!: (record: IngestedRecord) => void;
      let reject!: (error: unknown) => void;
      const written = new Promise<IngestedRecord>((res, rej) => ((resolve = res), (reject = rej)));
      written.catch(() => undefined); // reported through drain()
      open.push({ staged, options, resolve, reject });
      return { written };
    },
    flush,
    async drain() {
      await flush();
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      if (failed) throw failure;
    },
  };
}

/** A promise that also says when its transaction was handed to the chain. */
type Landing = Promise<void> & { sentOrFailed: Promise<void> };

/** Sends `chunk` and resolves once all of it is minted (sending again what a revert left unminted). */
function send(context: RecordsContext, writer: RecordWriter, chunk: Pending[]): Landing {
  let markSent!: () => void;
  const sentOrFailed = new Promise<void>((resolve) => (markSent = resolve));
  const run = async () => {
    let todo = chunk;
    for (let round = 0; ; round++) {
      try {
        const { mined } = await writer.sendMintBatch({ patient: todo[0].options.patient, entries: todo.map((p) => p.staged.entry) });
        markSent();
        await mined;
        return;
      } catch (error) {
        // Reverted, or refused by the node (which may have mined it reverted): is any of it minted meanwhile?
        markSent();
        const left = await unminted(context, todo);
        if (left.length === todo.length || round >= MAX_CHUNK_RETRIES) throw error;
        if (left.length === 0) return;
        todo = left;
      }
    }
  };
  return Object.assign(run(), { sentOrFailed });
}

/** The records of a reverted chunk that are not minted; throws when one is minted with another content. */
async function unminted(context: RecordsContext, chunk: Pending[]): Promise<Pending[]> {
  const states = await Promise.all(chunk.map((p) => probeTokenId(context, p.staged.ingested.tokenId)));
  const left: Pending[] = [];
  for (const [i, state] of states.entries()) {
    const { ingested, entry } = chunk[i].staged;
    if (state === "free") left.push(chunk[i]);
    else if (state === "burned" || (await context.recordToken.recordOf(ingested.tokenId)).contentHash !== entry.contentHash) {
      throw new RecordWriteError(
        `record #${ingested.tokenId} was minted meanwhile with another ciphertext (another run of this writer at the same time?); run the ingest again when it is done`,
      );
    }
  }
  return left;
}

/** After the mint of `chunk` is mined: the key store gets the wraps (a resolver deposit), the index the ids. */
async function landed(context: RecordsContext, chunk: Pending[]): Promise<void> {
  try {
    if (context.stagingKeys !== undefined) await Promise.all(chunk.map((p) => context.keys.save(p.staged.ref, p.staged.wraps)));
    const byIndex = new Map<IngestIndex, [string, bigint][]>();
    for (const p of chunk) {
      if (p.options.index === undefined || p.staged.identity === undefined) continue;
      const list = byIndex.get(p.options.index) ?? [];
      list.push([p.staged.identity, p.staged.ingested.tokenId]);
      byIndex.set(p.options.index, list);
    }
    for (const [index, entries] of byIndex) await rememberAll(index, entries);
  } catch (error) {
    throw error instanceof RecordWriteError ? error : new RecordWriteError("the records were minted, but their keys or index entries could not be saved; run the ingest again", { cause: error });
  }
  for (const p of chunk) p.resolve(p.staged.ingested);
}

/** Notes every (identity, token id) in `index`, in one write when the index can. */
export async function rememberAll(index: IngestIndex, entries: [string, bigint][]): Promise<void> {
  if (index.rememberAll) return index.rememberAll(entries);
  for (const [identity, tokenId] of entries) await index.remember(identity, tokenId);
}
