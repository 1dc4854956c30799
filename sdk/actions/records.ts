/**
 * Record actions: `ingest` (FHIR in → encrypted, content-addressed, minted), `read` (one read path, the key from a
 * key source), `list` (a patient's live record tokens) and `forget` (burn, shred the keys, unpin).
 *
 * @module
 */
import { getAddress, zeroPadValue } from "ethers";
import { requireAccount, type MedrecClient } from "../client/client";
import { bytesToHex, hexToBytes, type BytesLike } from "../crypto/bytes";
import { DEFAULT_PAGE_SIZE, getLogsPaged } from "../audit/paginate";
import { RecordToken__factory } from "../chain/contracts/factories/contracts/RecordToken__factory";
import { ingestBundles, type IngestProgress, type IngestedRecord } from "../records/ingest";
import type { IngestIndex } from "../records/ingest-index";
import type { PreparedRecord } from "../records/prepare";
import { readRecord, type KeySource, type ReadRecordResult } from "../records/read";
import { forgetRecord, type ForgottenRecord } from "../records/forget";
import { recordKindText } from "../records/kind";
import { RecordPermissionError } from "../records/errors";
import { InvalidArgumentError } from "../errors";
import { recordsContextOf, recordWriterOf, registeredEncryptionKey, resolverPublicKey } from "./context";

/** Parameters of {@link ingest}. */
export interface IngestParams {
  /**
   * The FHIR R4 inputs, one per source (a Bundle or a resource; object, JSON text or UTF-8 bytes — text keeps
   * every decimal digit), or records already prepared (`prepareRecords`, `prepareInParallel`).
   */
  inputs: readonly (unknown | { prepared: PreparedRecord[] })[];
  /** The patient the tokens are minted to; default the acting account (a patient's own ingest). */
  patient?: string;
  /**
   * X25519 public keys the data keys are wrapped to besides the patient's registered key and the client's
   * resolver (e.g. the writer's own, to read back what it wrote).
   */
  recipients?: readonly BytesLike[];
  /** The writer's index of what it ingested: identical records are found, not minted again. */
  index?: IngestIndex;
  /** The writer's X25519 private key, to re-wrap a known record for a recipient added since (see `IngestOptions`). */
  rewrapWith?: BytesLike;
  /** Called after every record. */
  onProgress?: (progress: IngestProgress) => void;
  /** Inputs prepared ahead of the writes (default 4). */
  concurrency?: number;
}

/**
 * Ingests FHIR for a patient: validate, split into records, canonicalise, encrypt (one data key per record, bound
 * to chain, RecordToken, token id and version), store the ciphertext by CID, mint one soulbound token per record
 * from the acting account, keep the wraps (and deposit the resolver's wrap with the resolver).
 * @returns Per input, the records written (or found unchanged).
 * @throws InvalidArgumentError when there is no recipient at all (the patient has no registered key and none given);
 *   {@link RecordPermissionError} when the patient is not registered, or the acting account is another writer
 *   without the patient's APPEND consent.
 */
export async function ingest(client: MedrecClient, params: IngestParams): Promise<IngestedRecord[][]> {
  const account = requireAccount(client, "records.ingest");
  const patient = getAddress(params.patient ?? account.address);
  const context = await recordsContextOf(client, "records.ingest");
  const recipients: Uint8Array[] = [];
  const add = (key: BytesLike | undefined) => {
    if (key === undefined) return;
    const bytes = typeof key === "string" ? hexToBytes(key) : key;
    if (!recipients.some((known) => bytesToHex(known) === bytesToHex(bytes))) recipients.push(bytes);
  };
  add(await registeredEncryptionKey(client, patient));
  if (client.resolver !== undefined) add(await resolverPublicKey(client, "records.ingest"));
  for (const key of params.recipients ?? []) add(key);
  if (recipients.length === 0) throw new InvalidArgumentError(`records.ingest: ${patient} has no registered encryption key and no recipient was given`);
  await requireWriter(client, account.address, patient);
  const options = { patient, recipients, writer: recordWriterOf(client, "records.ingest"), index: params.index, rewrapWith: params.rewrapWith };
  return ingestBundles(
    context,
    params.inputs.map((input) => (isPrepared(input) ? { prepared: input.prepared, options } : { input, options })),
    { concurrency: params.concurrency, onProgress: params.onProgress },
  );
}

/**
 * Checks that `writer` may add records for `patient` (before anything is stored or minted): the patient is
 * registered, and a writer other than the patient holds the patient's APPEND consent over all records.
 * @throws {@link RecordPermissionError} `NOT_A_PATIENT` or `NOT_AUTHORISED`.
 */
async function requireWriter(client: MedrecClient, writer: string, patient: string): Promise<void> {
  if (!(await client.contracts.patientRegistry.isPatient(patient))) {
    throw new RecordPermissionError("NOT_A_PATIENT", `${patient} is not a registered patient`);
  }
  if (getAddress(writer) !== patient && !(await client.contracts.consentManager.canAppend(writer, patient))) {
    throw new RecordPermissionError(
      "NOT_AUTHORISED",
      `${writer} may not add records for ${patient}: it needs to be an active provider or lab with the patient's APPEND consent over all records`,
    );
  }
}

const isPrepared = (input: unknown): input is { prepared: PreparedRecord[] } =>
  typeof input === "object" && input !== null && Array.isArray((input as { prepared?: unknown }).prepared);

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
 * key source, decrypt and validate. The result's `plaintext` is the record exactly as stored.
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

const RECORD_MINTED = RecordToken__factory.createInterface().getEvent("RecordMinted");

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
  const minted = new Map<bigint, number>();
  for (const log of logs) {
    if (log.removed || getAddress(log.address) !== address || log.topics.length < 3) continue;
    if (getAddress(`0x${log.topics[2].slice(26)}`) !== patient) continue; // a node that ignored the topic filter
    const tokenId = BigInt(log.topics[1]);
    if (!minted.has(tokenId)) minted.set(tokenId, log.blockNumber);
  }
  const records: RecordSummary[] = [];
  for (const [tokenId, block] of [...minted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (BigInt(await client.contracts.recordToken.patientOf(tokenId)) === 0n) continue; // burned
    const record = await client.contracts.recordToken.recordOf(tokenId);
    records.push({ tokenId, kind: recordKindText(record.recordKind), version: record.version, mintedInBlock: block });
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
