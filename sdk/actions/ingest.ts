/**
 * The record action `ingest`: FHIR in → validated, split, encrypted, content-addressed, minted. Node only (the FHIR
 * definitions are read from disk; large inputs are prepared in worker threads).
 *
 * @module
 */
import os from "node:os";
import { getAddress } from "ethers";
import { requireAccount, type MedrecClient } from "../client/client";
import { bytesToHex, hexToBytes, type BytesLike } from "../crypto/bytes";
import { ingestBundles, type IngestProgress, type IngestedRecord } from "../records/ingest";
import type { IngestIndex } from "../records/ingest-index";
import type { PreparedRecord } from "../records/prepare";
import { PARALLEL_THRESHOLD_BYTES } from "../records/prepare-pool";
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
  /**
   * Worker threads that prepare the inputs given as JSON text or bytes while this thread seals, stores and mints.
   * Default: one on a machine with two cores or more when those inputs come to {@link PARALLEL_THRESHOLD_BYTES}
   * or more (a thread's start, about a second, pays off there), else none.
   */
  prepareThreads?: number;
}

/** The default of {@link IngestParams.prepareThreads} for `inputs`. */
export function defaultPrepareThreads(inputs: readonly unknown[]): number {
  if (os.cpus().length < 2) return 0;
  let bytes = 0;
  for (const input of inputs) {
    if (typeof input === "string") bytes += input.length;
    else if (input instanceof Uint8Array) bytes += input.length;
    if (bytes >= PARALLEL_THRESHOLD_BYTES) return 1;
  }
  return 0;
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
    { concurrency: params.concurrency, onProgress: params.onProgress, prepareThreads: params.prepareThreads ?? defaultPrepareThreads(params.inputs) },
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
