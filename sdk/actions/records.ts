/**
 * Record actions that run anywhere (a phone too): `read` (one read path, the key from a key source), `list` (a
 * patient's live record tokens) and `forget` (burn, shred the keys, unpin). `ingest` is in `./ingest` (it needs
 * the FHIR definitions on disk and worker threads).
 *
 * @module
 */
import { getAddress, zeroPadValue } from "ethers";
import { requireAccount, type MedrecClient } from "../client/client";
import type { BytesLike } from "../crypto/bytes";
import { DEFAULT_PAGE_SIZE, getLogsPaged } from "../audit/paginate";
import { RecordToken__factory } from "../chain/contracts/factories/contracts/RecordToken__factory";
import { readRecord, type KeySource, type ReadRecordResult } from "../records/read";
import { forgetRecord, type ForgottenRecord } from "../records/forget";
import { recordKindText } from "../records/kind";
import { RecordPermissionError } from "../records/errors";
import { recordsContextOf, recordWriterOf } from "./context";

/** Parameters of {@link read}. */
export interface ReadParams<Extra extends object = object> {
  tokenId: bigint;
  /**
   * Where the data key comes from: `localKeys(privateKey)` (a wrap in the client's key store, opened with the
   * reader's X25519 key), or `resolver.keys(client, { purpose })` (a release by the resolver after the read's
   * Disclosure is mined). A bare private key means `localKeys`.
   */
  keys: KeySource<Extra> | BytesLike;
}

/**
 * Reads one record: fetch the ciphertext by CID, verify it against the on-chain SHA-256, open the data key from the
 * key source, decrypt and check it is a FHIR Bundle. The result's `plaintext` is the record exactly as stored.
 */
export async function read<Extra extends object = object>(client: MedrecClient, params: ReadParams<Extra>): Promise<ReadRecordResult<Extra>> {
  return readRecord(await recordsContextOf(client, "records.read"), params.tokenId, params.keys);
}


/** One of a patient's live records, as the chain has it. */
export interface RecordSummary {
  tokenId: bigint;
  /** The record kind (FHIR resource category). */
  kind: string;
  /** 1 at mint, +1 per update. */
  version: bigint;
  /** The block of its mint. */
  mintedInBlock: number;
}

const RECORD_MINTED_INTERFACE = RecordToken__factory.createInterface();
const RECORD_MINTED = RECORD_MINTED_INTERFACE.getEvent("RecordMinted");

/**
 * The live (not burned) record tokens of a patient, in token order: the `RecordMinted` events with the patient as
 * topic 2 from the deployment's start block, then each token's current kind and version.
 * @param params `patient`, default the acting account.
 */
export async function list(client: MedrecClient, params: { patient?: string } = {}): Promise<RecordSummary[]> {
  const patient = getAddress(params.patient ?? requireAccount(client, "records.list").address);
  const address = client.addresses.RecordToken;
  const latest = await client.provider.getBlockNumber();
  const logs = await getLogsPaged(
    client.provider,
    { address, topics: [RECORD_MINTED.topicHash, null, zeroPadValue(patient, 32)] },
    { fromBlock: client.startBlock, toBlock: latest },
    client.logPageSize ?? DEFAULT_PAGE_SIZE,
  );
  const minted = new Map<bigint, { block: number; kind: string }>();
  for (const log of logs) {
    if (log.removed || getAddress(log.address) !== address || log.topics.length < 3) continue;
    if (getAddress(`0x${log.topics[2].slice(26)}`) !== patient) continue; // a node that ignored the topic filter
    const tokenId = BigInt(log.topics[1]);
    if (minted.has(tokenId)) continue;
    const recordKind = RECORD_MINTED_INTERFACE.parseLog(log)?.args.recordKind as string | undefined;
    minted.set(tokenId, { block: log.blockNumber, kind: recordKind === undefined ? "unknown" : recordKindText(recordKind) });
  }
  const records: RecordSummary[] = [];
  // In the order they were minted (ids are not sequential: each is derived from its writer's salt).
  for (const [tokenId, { block, kind }] of minted) {
    const [, version] = await client.contracts.recordToken.pointerOf(tokenId);
    if (version === 0n) continue; // burned
    records.push({ tokenId, kind, version, mintedInBlock: block });
  }
  return records;
}

/**
 * Forgets a record (the patient's right to erasure): burns the token from the acting account (the patient's key
 * or smart account), deletes the client's wraps of it and unpins its ciphertext; resolvers shred theirs when
 * they see the burn.
 * @throws {@link RecordNotFoundError} when the token does not exist; {@link RecordPermissionError} `NOT_AUTHORISED`
 *   when the acting account is not the record's patient (nothing is sent).
 */
export async function forget(client: MedrecClient, params: { tokenId: bigint }): Promise<ForgottenRecord> {
  const account = requireAccount(client, "records.forget");
  const patient = await client.contracts.recordToken.patientOf(params.tokenId);
  if (BigInt(patient) !== 0n && getAddress(patient) !== account.address) {
    throw new RecordPermissionError("NOT_AUTHORISED", `only the record's patient ${getAddress(patient)} may forget record #${params.tokenId}`);
  }
  return forgetRecord(await recordsContextOf(client, "records.forget"), params.tokenId, recordWriterOf(client, "records.forget"));
}
