import { getBytes } from "ethers";
import type { Bundle } from "@medplum/fhirtypes";
import { decryptRecord, type BytesLike } from "../crypto";
import { equalBytes, wipe } from "../crypto/bytes";
import { assertSealedRecord } from "../crypto/record";
import { loadEncryptionPrivateKey, unwrapKey, unwrapKeyWith } from "../crypto/wrap";
import type { X25519PrivateKey } from "../crypto/x25519";
import type { RecordsContext } from "./context";
import { versionRef } from "./context";
import { RecordKeyNotFoundError, RecordNotFoundError, RecordVersionChangedError } from "./errors";
import type { RecordVersionRef } from "./key-store";
import { recordKind } from "../fhir/record";
import { recordBundle } from "./record-shape";

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
  /**
   * `privateKey` loaded already (the source loaded it to find its wrap): the read opens the wrap with it instead of
   * loading `privateKey` again, and disposes of it when done, success or not.
   */
  loaded?: X25519PrivateKey;
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
 *
 * The private key is loaded (for WebCrypto: imported as a non-extractable key, about 0.7 ms) once per key source,
 * at its first read, and kept as long as the source, which holds the raw bytes for as long anyway: a reader that
 * makes one source for its session (an app, the CLI's command) does not import its key again for every record.
 * @param readerPrivateKey The reader's X25519 private key (never leaves this process; not copied).
 */
export function localKeys(readerPrivateKey: BytesLike): KeySource {
  let loading: Promise<X25519PrivateKey> | undefined;
  const loadedKey = () => {
    if (!loading) {
      loading = loadEncryptionPrivateKey(readerPrivateKey);
      loading.catch(() => (loading = undefined)); // a key that does not load is refused at every read
    }
    return loading;
  };
  return {
    async keyFor(context, ref) {
      // Its public key finds the wrap, and the read opens the wrap with it; the read's dispose leaves it to this source.
      const key = await loadedKey();
      const wrap = (await context.keys.load(ref)).find((w) => equalBytes(w.recipient, key.publicKey));
      if (!wrap) throw new RecordKeyNotFoundError(`no data key of record #${ref.tokenId} v${ref.version} for this reader`);
      const privateKey = typeof readerPrivateKey === "string" ? getBytes(readerPrivateKey) : readerPrivateKey;
      const loaded: X25519PrivateKey = { publicKey: key.publicKey, sharedSecret: (pk) => key.sharedSecret(pk), dispose: () => undefined };
      return { version: ref.version, wrappedKey: wrap.wrappedKey, privateKey, extra: {}, dispose: () => undefined, loaded };
    },
  };
}

/**
 * `readRecord(tokenId)`, the one read path: reads the pointer on-chain, gets the data key from `keys`
 * (the reader's own wrap, or a resolver's release), fetches the ciphertext by CID (every block
 * verified), checks its SHA-256 against the chain, unwraps the key, decrypts (AAD bound to chain, token
 * and version) and checks that the plaintext is a FHIR Bundle (its structure, `record-shape.ts`: the bytes are
 * authenticated, and the writer validated them against the R4 definitions before sealing). One chain call finds the
 * record (`recordOf`, which reverts for a burned or unknown token); the reader's key is loaded once.
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
  let record = await pointerOf(context, tokenId);
  // Every block verified against the CID, and the whole object against the chain's content hash; fetched while
  // the key is looked up.
  const fetch = (pointer: typeof record) => context.store.get(getBytes(pointer.cid), { expectedContentHash: pointer.contentHash });
  let fetched = fetch(record);
  fetched.catch(() => undefined); // awaited below once the key is there
  const key = await source.keyFor(context, await versionRef(context, tokenId, record.version));
  try {
    if (key.version !== record.version) {
      record = await pointerOf(context, tokenId);
      fetched = fetch(record);
    }
    if (key.version !== record.version) throw new RecordVersionChangedError(tokenId);
    const ref = await versionRef(context, tokenId, record.version);
    const sealed = await fetched;
    assertSealedRecord(sealed); // format check before the private key is used
    const dek = key.loaded ? await unwrapKeyWith(key.wrappedKey, key.loaded, ref) : await unwrapKey(key.wrappedKey, key.privateKey, ref);
    let plaintext: Uint8Array;
    try {
      plaintext = await decryptRecord(sealed, dek, ref);
    } finally {
      wipe(dek);
    }
    const bundle = recordBundle(plaintext);
    return { tokenId, version: record.version, patient: record.patient, kind: bundleKind(bundle), contentHash: record.contentHash, bundle, plaintext, ...key.extra };
  } finally {
    key.loaded?.dispose();
    key.dispose();
  }
}

/**
 * The record's pointer in one chain call (`recordOf`: patient, version, content hash, CID), which reverts for a
 * token that does not exist or was burned; after a failure `patientOf` tells such a token from a failed call.
 */
async function pointerOf(context: RecordsContext, tokenId: bigint): Promise<{ patient: string; version: bigint; contentHash: string; cid: string }> {
  try {
    const { patient, version, contentHash, cid } = await context.recordToken.recordOf(tokenId);
    return { patient, version, contentHash, cid };
  } catch (error) {
    const patient = await context.recordToken.patientOf(tokenId).catch(() => undefined);
    if (patient !== undefined && BigInt(patient) === 0n) throw new RecordNotFoundError(tokenId);
    throw error;
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
