/**
 * How the records of an ingest are cut into `mintBatch` transactions: by a gas bound per record measured on the
 * EVM (Hardhat), so that no chunk comes near the block gas limit (30,000,000 on Hardhat; Era's is far higher) or
 * the sponsor paymaster's daily quota per account (30,000,000 by default, `deploy/aa-wallets.ts`).
 *
 * @module
 */
import type { MintEntry } from "./record-writer";

/** Multicodec of raw bytes: a raw CID needs no slot of its own (its digest is the content hash). */
const RAW_CODEC = 0x55;

/** Gas of a `mintBatch` transaction around its records (21,000 intrinsic, the patient and issuer checks, the count): measured ~45,000. */
export const MINT_BATCH_BASE_GAS = 70_000n;
/** Gas bound of one raw-CID record in a `mintBatch` (measured ~56,000: two new slots, three events, calldata). */
export const RAW_RECORD_GAS = 75_000n;
/** Gas bound of one record whose CID is not raw (one slot more, ~22,100). */
export const DAG_RECORD_GAS = 100_000n;
/** The most records one `mintBatch` carries. */
export const MAX_CHUNK_RECORDS = 100;
/** The most gas one `mintBatch` may be signed with: a third of Hardhat's block gas limit. */
export const MAX_CHUNK_GAS = 10_000_000n;

/** The gas bound of one record of a `mintBatch`. */
export function entryGas(entry: Pick<MintEntry, "cid">): bigint {
  // 0x01 ‖ varint codec: a one-byte codec below 0x80.
  return entry.cid[1] === RAW_CODEC ? RAW_RECORD_GAS : DAG_RECORD_GAS;
}

/** The gas limit to send a `mintBatch` of `entries` with: their bounds plus the batch's own. */
export function chunkGasLimit(entries: readonly Pick<MintEntry, "cid">[]): bigint {
  return entries.reduce((gas, entry) => gas + entryGas(entry), MINT_BATCH_BASE_GAS);
}

/** Whether `entry` still fits into a chunk that holds `entries`. */
export function fitsInChunk(entries: readonly Pick<MintEntry, "cid">[], entry: Pick<MintEntry, "cid">): boolean {
  return entries.length < MAX_CHUNK_RECORDS && chunkGasLimit(entries) + entryGas(entry) <= MAX_CHUNK_GAS;
}
