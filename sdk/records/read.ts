import { getBytes } from "ethers";
import type { Bundle } from "@medplum/fhirtypes";
import { getEncryptionPublicKey, openRecord, type BytesLike } from "../crypto";
import { equalBytes } from "../crypto/bytes";
import { validateFhir } from "../fhir/core";
import type { RecordsContext } from "./context";
import { versionRef } from "./context";
import { RecordKeyNotFoundError, RecordNotFoundError, RecordVersionChangedError } from "./errors";
import type { RecordVersionRef } from "./key-store";
import { recordKind } from "../fhir/record";

/** A record read back and verified, with what the key source adds (e.g. the disclosure of a resolver release). */
export type ReadRecordResult<Extra extends object = object> = {
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
} & Extra;

/** A data key for one record version: its wrap and the private key that opens it. */
export interface RecordKey<Extra extends object = object> {
  /** The record version the wrap was made (or released) for. */
  version: bigint;
  wrappedKey: Uint8Array;
  /** The X25519 private key that opens `wrappedKey`; {@link readRecord} does not keep it. */
  privateKey: Uint8Array;
  /** Added to the read's result (e.g. `{ disclosure }`). */
  extra: Extra;
  /** Called when the read is done, success or not (a one-time key is zeroised here). */
  dispose(): void;
}

/**
 * Where a reader's data key comes from: its own wraps in a local key store ({@link localKeys}), or a
 * resolver that releases it under an on-chain grant (`sdk/resolver` `resolverKeys`).
 */
export interface KeySource<Extra extends object = object> {
  /**
   * The key of the record version `ref` names (the version on-chain when the read began). A source may
   * answer for a newer version (a resolver reads the chain again); {@link readRecord} then re-reads it.
   */
  keyFor(context: RecordsContext, ref: RecordVersionRef): Promise<RecordKey<Extra>>;
}

/**
 * The reader's own wraps: the key store's wrap for `readerPrivateKey`'s public key.
 * @param readerPrivateKey The reader's X25519 private key (never leaves this process; not copied).
 */
export function localKeys(readerPrivateKey: BytesLike): KeySource {
  return {
    async keyFor(context, ref) {
      const readerPublicKey = getEncryptionPublicKey(readerPrivateKey);
      const wrap = (await context.keys.load(ref)).find((w) => equalBytes(w.recipient, readerPublicKey));
      if (!wrap) throw new RecordKeyNotFoundError(`no data key of record #${ref.tokenId} v${ref.version} for this reader`);
      const privateKey = typeof readerPrivateKey === "string" ? getBytes(readerPrivateKey) : readerPrivateKey;
      return { version: ref.version, wrappedKey: wrap.wrappedKey, privateKey, extra: {}, dispose: () => undefined };
    },
  };
}

/**
 * `readRecord(tokenId)`, the one read path: reads the pointer on-chain, gets the data key from `keys`
 * (the reader's own wrap, or a resolver's release), fetches the ciphertext by CID (every block
 * verified), checks its SHA-256 against the chain, unwraps the key, decrypts (AAD bound to chain, token
 * and version) and validates the FHIR bundle.
 * @param context Chain, record token, content store and key store.
 * @param tokenId The record token.
 * @param keys A {@link KeySource}, or the reader's X25519 private key (= `localKeys(privateKey)`).
 * @throws {RecordNotFoundError} The token does not exist (or was burned); checked before any key is asked for.
 * @throws {RecordKeyNotFoundError} No wrap of this version for the reader's key is known.
 * @throws {RecordVersionChangedError} The record was updated while its key was being released.
 */
export async function readRecord<Extra extends object = object>(
  context: RecordsContext,
  tokenId: bigint,
  keys: KeySource<Extra> | BytesLike,
): Promise<ReadRecordResult<Extra>> {
  const source = (isKeySource(keys) ? keys : localKeys(keys)) as KeySource<Extra>;
  // Both chain reads at once: `patientOf` tells an unknown or burned token (recordOf would only revert).
  const pointer = context.recordToken.recordOf(tokenId);
  pointer.catch(() => undefined); // awaited below unless the token does not exist
  const patient = await context.recordToken.patientOf(tokenId);
  if (BigInt(patient) === 0n) throw new RecordNotFoundError(tokenId);
  let record = await pointer;
  const key = await source.keyFor(context, await versionRef(context, tokenId, record.version));
  try {
    if (key.version !== record.version) record = await context.recordToken.recordOf(tokenId);
    if (key.version !== record.version) throw new RecordVersionChangedError(tokenId);
    const ref = await versionRef(context, tokenId, record.version);
    const sealed = await context.store.get(getBytes(record.cid), { expectedContentHash: record.contentHash });
    const plaintext = await openRecord(sealed, key.wrappedKey, key.privateKey, ref, record.contentHash);
    const bundle = validateFhir(plaintext, "Bundle") as Bundle;
    return { tokenId, version: record.version, patient, kind: bundleKind(bundle), contentHash: record.contentHash, bundle, plaintext, ...key.extra };
  } finally {
    key.dispose();
  }
}

/** The record kind of a record's resources, as ingest assigns it (the chain's `RecordMinted` carries the declared one). */
function bundleKind(bundle: Bundle): string {
  const kinds = new Set((bundle.entry ?? []).flatMap((entry) => (entry.resource ? [recordKind(entry.resource.resourceType)] : [])));
  return kinds.size === 1 ? [...kinds][0] : kinds.size === 0 ? "empty" : "mixed";
}

function isKeySource(value: unknown): value is KeySource<object> {
  return typeof value === "object" && value !== null && typeof (value as { keyFor?: unknown }).keyFor === "function";
}
