/**
 * The first half of writing one record: is it known already (the ingest index, or the chain after an interrupted
 * run), or is it sealed for its token id, stored, its wraps kept, and ready to mint?
 *
 * @module
 */
import { encodeBytes32String, getAddress, getBytes, hexlify, randomBytes } from "ethers";
import { recordTokenId } from "../vocabulary";
import { SEALED_RECORD_OVERHEAD, getEncryptionPublicKey, rewrapKey, sealRecordUnhashed, type BytesLike } from "../crypto";
import { equalBytes } from "../crypto/bytes";
import { parseCid } from "../storage/cid";
import type { RecordsContext } from "./context";
import { versionRef } from "./context";
import { RecordWriteError } from "./errors";
import { planSlot, type SlotState } from "./ingest-salt";
import type { IngestedRecord, IngestOptions } from "./ingest-types";
import type { StoredWrap } from "./key-store";
import type { PreparedRecord } from "./prepare";
import type { MintEntry } from "./record-writer";

type VersionRef = Awaited<ReturnType<typeof versionRef>>;

/** A record sealed, stored and its wraps kept (in the staging key store), waiting for its mint. */
export interface StagedRecord {
  entry: MintEntry;
  /** What the ingest reports once the mint is mined. */
  ingested: IngestedRecord;
  ref: VersionRef;
  wraps: StoredWrap[];
  /** Its identity in the writer's ingest index, if the writer has one. */
  identity?: string;
}

/** What to do with one record: nothing (`done`, known already) or mint it (`staged`). */
export type RecordPlan = { done: IngestedRecord; identity?: string; remember: boolean } | { staged: StagedRecord };

/** What the chain says of a token id: `isUsed`, then whether it is still someone's. */
export async function probeTokenId(context: RecordsContext, tokenId: bigint): Promise<SlotState> {
  if (!(await context.recordToken.isUsed(tokenId))) return "free";
  return BigInt(await context.recordToken.patientOf(tokenId)) === 0n ? "burned" : "live";
}

/**
 * Plans one record: the index's token when it is still the patient's; else, with an index, the record's derived
 * id, `unchanged` when the chain has it already (an earlier run minted it), otherwise sealed for it; without an
 * index, sealed for the id of a random salt.
 */
export async function planRecord(context: RecordsContext, record: PreparedRecord, options: IngestOptions, issuer: string): Promise<RecordPlan> {
  const identity = options.index?.identify(options.patient, record.plaintext);
  if (identity === undefined) return { staged: await stage(context, record, options, issuer, hexlify(randomBytes(32))) };
  const known = await indexedRecord(context, options, identity, record);
  if (known) return { done: known, identity, remember: false };
  const slot = await planSlot(issuer, options.patient, identity, (tokenId) => probeTokenId(context, tokenId));
  if (slot.state === "live") return { done: await mintedEarlier(context, options, record, slot.tokenId), identity, remember: true };
  return { staged: { ...(await stage(context, record, options, issuer, slot.salt)), identity } };
}

/** Seals `record` for the id of `salt`, stores the ciphertext and keeps the wraps (staging store) before any mint. */
async function stage(context: RecordsContext, record: PreparedRecord, options: IngestOptions, issuer: string, salt: string): Promise<StagedRecord> {
  let kind: string;
  try {
    kind = encodeBytes32String(record.kind);
  } catch {
    throw new RecordWriteError(`record kind ${record.kind} does not fit in 31 bytes`);
  }
  const tokenId = recordTokenId(issuer, options.patient, salt);
  const ref = await versionRef(context, tokenId, 1n);
  // Hashed once, by the store: its put returns the SHA-256 of the bytes it stored, the content hash minted below.
  const envelope = await sealRecordUnhashed(record.plaintext, ref, options.recipients);
  const put = await context.store.put(envelope.sealed);
  await (context.stagingKeys ?? context.keys).save(ref, envelope.wraps);
  return {
    entry: { salt, cid: put.cidBytes, contentHash: put.contentHash, kind },
    ingested: { status: "minted", tokenId, version: 1n, ...describe(record), cid: put.cid, contentHash: put.contentHash, size: put.size },
    ref,
    wraps: envelope.wraps,
  };
}

/** The patient's live token the index has for this identity, described, or `undefined`. */
async function indexedRecord(context: RecordsContext, options: IngestOptions, identity: string, record: PreparedRecord): Promise<IngestedRecord | undefined> {
  const tokenId = await options.index?.lookup(identity);
  if (tokenId === undefined) return undefined;
  const owner = await context.recordToken.patientOf(tokenId);
  if (BigInt(owner) === 0n || getAddress(owner) !== getAddress(options.patient)) return undefined; // burned, or not this patient's
  return unchangedRecord(context, options, record, tokenId);
}

/**
 * A record an earlier, interrupted run minted (its derived id is live) but did not get to note: its wraps were
 * kept before its mint, so they are handed to the key store now (a resolver deposit that may not have happened).
 */
async function mintedEarlier(context: RecordsContext, options: IngestOptions, record: PreparedRecord, tokenId: bigint): Promise<IngestedRecord> {
  if (context.stagingKeys !== undefined) {
    const ref = await versionRef(context, tokenId, 1n);
    const staged = await context.stagingKeys.load(ref);
    if (staged.length > 0) await context.keys.save(ref, staged);
  }
  return unchangedRecord(context, options, record, tokenId);
}

async function unchangedRecord(context: RecordsContext, options: IngestOptions, record: PreparedRecord, tokenId: bigint): Promise<IngestedRecord> {
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
async function addMissingWraps(context: RecordsContext, options: IngestOptions, ref: VersionRef): Promise<number> {
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

/** The kind, encounter and period of a record, as an {@link IngestedRecord} carries them. */
export function describe(record: PreparedRecord): Pick<IngestedRecord, "kind" | "encounter" | "period"> {
  return {
    kind: record.kind,
    ...(record.encounter === undefined ? {} : { encounter: record.encounter }),
    ...(record.period === undefined ? {} : { period: record.period }),
  };
}
