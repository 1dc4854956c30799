/**
 * The record tokens of one patient, from the chain: the token ids of the RecordToken's `RecordMinted` events with
 * the patient as topic 2 (read in pages of blocks, as the audit does), then, per token, its current pointer
 * (`recordOf`: kind and version, so updates are accounted for); burned tokens are left out.
 *
 * @module
 */
import { getAddress, zeroPadValue, type Provider } from "ethers";
import { DEFAULT_PAGE_SIZE, getLogsPaged, type BlockRange } from "../../sdk/audit/paginate";
import { recordKindText } from "../../sdk/records/kind";
import type { RecordToken } from "../../sdk/chain/contracts";
import { RecordToken__factory } from "../../sdk/chain/contracts/factories/contracts/RecordToken__factory";

/** One of the patient's records, as the chain has it. */
export interface PatientRecordToken {
  tokenId: bigint;
  /** The record kind (`recordKind`, bytes32 text). */
  kind: string;
  /** The current version (1 at mint, +1 per update). */
  version: bigint;
  /** The block of its `RecordMinted` event. */
  mintedInBlock: number;
}

const RECORD_MINTED = RecordToken__factory.createInterface().getEvent("RecordMinted");

/**
 * The live record tokens of `patient`, in token order.
 * @param provider Reads the logs.
 * @param recordToken The RecordToken contract (for `patientOf` and `recordOf`).
 * @param patient The patient's address.
 * @param range The blocks to search (the deployment's start block to the latest).
 * @param pageSize Blocks per `eth_getLogs` query.
 */
export async function patientRecordTokens(
  provider: Pick<Provider, "getLogs">,
  recordToken: RecordToken,
  patient: string,
  range: BlockRange,
  pageSize = DEFAULT_PAGE_SIZE,
): Promise<PatientRecordToken[]> {
  const owner = getAddress(patient);
  const address = await recordToken.getAddress();
  const logs = await getLogsPaged(provider, { address, topics: [RECORD_MINTED.topicHash, null, zeroPadValue(owner, 32)] }, range, pageSize);
  const minted = new Map<bigint, number>();
  for (const log of logs) {
    if (log.removed || getAddress(log.address) !== getAddress(address) || log.topics.length < 3) continue;
    if (getAddress(`0x${log.topics[2].slice(26)}`) !== owner) continue; // a node that ignored the topic filter
    const tokenId = BigInt(log.topics[1]);
    if (!minted.has(tokenId)) minted.set(tokenId, log.blockNumber);
  }
  const tokens: PatientRecordToken[] = [];
  for (const [tokenId, block] of [...minted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const current = await recordToken.patientOf(tokenId);
    if (BigInt(current) === 0n) continue; // burned
    const record = await recordToken.recordOf(tokenId);
    tokens.push({ tokenId, kind: recordKindText(record.recordKind), version: record.version, mintedInBlock: block });
  }
  return tokens;
}
