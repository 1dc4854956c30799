import { getBytes } from "ethers";
import type { Bundle } from "@medplum/fhirtypes";
import { getEncryptionPublicKey, openRecord, type BytesLike } from "../crypto";
import { validateFhir } from "../fhir";
import type { RecordsContext } from "./context";
import { versionRef } from "./context";
import { RecordKeyNotFoundError, RecordNotFoundError } from "./errors";

/** A record read back and verified. */
export interface ReadRecordResult {
  tokenId: bigint;
  version: bigint;
  patient: string;
  /** The FHIR record kind stored on-chain. */
  kind: string;
  contentHash: string;
  /**
   * The record's FHIR Bundle with plain JavaScript values (a decimal as a `number`: trailing zeros are
   * not kept here). For the exact content use `plaintext`, or `parseFhirJson(plaintext)`.
   */
  bundle: Bundle;
  /** The record exactly as stored: its canonical FHIR JSON (UTF-8), every decimal digit as written. */
  plaintext: Uint8Array;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/**
 * `readRecord(tokenId)`: reads the pointer on-chain, fetches the ciphertext by CID (every block verified),
 * checks its SHA-256 against the chain, unwraps the data key with the reader's private key, decrypts (AAD bound
 * to chain, token and version) and validates the FHIR bundle.
 * @param context Chain, record token, content store and key store.
 * @param tokenId The record token.
 * @param readerPrivateKey The reader's X25519 private key (never leaves this process).
 * @throws {RecordNotFoundError} The token does not exist (or was burned).
 * @throws {RecordKeyNotFoundError} No wrap of this version for the reader's key is known.
 */
export async function readRecord(context: RecordsContext, tokenId: bigint, readerPrivateKey: BytesLike): Promise<ReadRecordResult> {
  const patient = await context.recordToken.patientOf(tokenId);
  if (BigInt(patient) === 0n) throw new RecordNotFoundError(tokenId);
  const record = await context.recordToken.recordOf(tokenId);
  const ref = await versionRef(context, tokenId, record.version);
  const readerPublicKey = getEncryptionPublicKey(readerPrivateKey);
  const wrap = (await context.keys.load(ref)).find((w) => sameBytes(w.recipient, readerPublicKey));
  if (!wrap) throw new RecordKeyNotFoundError(`no data key of record #${tokenId} v${record.version} for this reader`);
  const sealed = await context.store.get(getBytes(record.cid), { expectedContentHash: record.contentHash });
  const plaintext = openRecord(sealed, wrap.wrappedKey, readerPrivateKey, ref, record.contentHash);
  const bundle = validateFhir(plaintext, "Bundle") as Bundle;
  let kind: string;
  try {
    kind = Buffer.from(getBytes(record.recordKind)).toString("utf8").replace(/\0+$/, "");
  } catch {
    kind = record.recordKind;
  }
  return { tokenId, version: record.version, patient, kind, contentHash: record.contentHash, bundle, plaintext };
}
