/**
 * A {@link KeyStore} in memory: the default of a client that is given none (a provider system that reads only,
 * a test). Wraps are lost with the process: give a persistent store to keep the patient's copies.
 *
 * @module
 */
import type { KeyStore, RecordVersionRef, StoredWrap } from "../records/key-store";
import { bytesToHex } from "../crypto/bytes";

const recordKey = (ref: Omit<RecordVersionRef, "version">) => `${ref.chainId}:${ref.recordToken.toLowerCase()}:${ref.tokenId}`;

/** A fresh in-memory key store. */
export function memoryKeyStore(): KeyStore {
  const records = new Map<string, Map<bigint, StoredWrap[]>>();
  return {
    async save(ref, wraps) {
      const versions = records.get(recordKey(ref)) ?? new Map<bigint, StoredWrap[]>();
      const kept = (versions.get(ref.version) ?? []).filter((old) => !wraps.some((wrap) => bytesToHex(wrap.recipient) === bytesToHex(old.recipient)));
      versions.set(ref.version, [...kept, ...wraps.map((wrap) => ({ recipient: wrap.recipient.slice(), wrappedKey: wrap.wrappedKey.slice() }))]);
      records.set(recordKey(ref), versions);
    },
    async load(ref) {
      return (records.get(recordKey(ref))?.get(ref.version) ?? []).map((wrap) => ({ recipient: wrap.recipient.slice(), wrappedKey: wrap.wrappedKey.slice() }));
    },
    async forget(ref) {
      records.delete(recordKey(ref));
    },
  };
}
