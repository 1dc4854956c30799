import { getBytes } from "ethers";
import type { RecordsContext } from "./context";
import { RecordNotFoundError } from "./errors";
import type { RecordWriter } from "./record-writer";

/** What {@link forgetRecord} did. */
export interface ForgottenRecord {
  tokenId: bigint;
  /** The CID of the ciphertext that was unpinned. */
  cid: Uint8Array;
  /** Whether the content store still held the ciphertext and removed it. */
  unpinned: boolean;
}

/**
 * `forgetRecord(tokenId)`: the right to be forgotten (ARCHITECTURE.md, flow 8). Burns the record token (which
 * emits `RecordBurned`, the signal on which resolvers destroy their key wraps), destroys this writer's wraps of
 * every version (crypto-shredding) and unpins the ciphertext from the content store. The events left on-chain
 * carry no health data.
 * @param context Chain, record token, content store and key store.
 * @param tokenId The record to forget.
 * @param writer The patient's writer (only the patient may burn).
 * @throws {RecordNotFoundError} The token does not exist (never minted, or already burned).
 */
export async function forgetRecord(context: RecordsContext, tokenId: bigint, writer: RecordWriter): Promise<ForgottenRecord> {
  const patient = await context.recordToken.patientOf(tokenId);
  if (BigInt(patient) === 0n) throw new RecordNotFoundError(tokenId);
  const cid = getBytes((await context.recordToken.recordOf(tokenId)).cid);
  await writer.burn(tokenId);
  await context.keys.forget({ chainId: context.chainId, recordToken: await context.recordToken.getAddress(), tokenId });
  const unpinned = await context.store.remove(cid);
  return { tokenId, cid, unpinned };
}
