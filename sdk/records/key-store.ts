import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { bytesToHex, hexToBytes } from "../crypto";
import { writePrivateFile } from "../files/private-file";

/** Which record version a set of wrapped keys opens. */
export interface RecordVersionRef {
  chainId: bigint;
  recordToken: string;
  tokenId: bigint;
  version: bigint;
}

/** One wrapped data key: the recipient's X25519 public key and the 93-byte wrap. */
export interface StoredWrap {
  recipient: Uint8Array;
  wrappedKey: Uint8Array;
}

/**
 * Where the wrapped data keys of records are kept. Wrapped keys are ciphertext (each opens only with its
 * recipient's private key), so they may sit on disk or travel; private keys never go here.
 */
export interface KeyStore {
  /** Adds wraps for a record version (replacing wraps of the same recipients). */
  save(ref: RecordVersionRef, wraps: StoredWrap[]): Promise<void>;
  /** The wraps of a record version; empty when none are known. */
  load(ref: RecordVersionRef): Promise<StoredWrap[]>;
  /** Forgets every version of a record (crypto-shredding of this store's copies). */
  forget(ref: Omit<RecordVersionRef, "version">): Promise<void>;
}

interface WrapFile {
  versions: Record<string, { recipient: string; wrappedKey: string }[]>;
}

/**
 * A {@link KeyStore} of JSON files, one per record (`<dir>/<chainId>/<recordToken>/<tokenId>.json`), written
 * atomically (temp file + rename).
 * @param dir The folder (created when missing).
 */
export function fileKeyStore(dir: string): KeyStore {
  const fileOf = (ref: Omit<RecordVersionRef, "version">) =>
    path.join(dir, ref.chainId.toString(), ref.recordToken.toLowerCase(), `${ref.tokenId}.json`);
  const read = async (file: string): Promise<WrapFile> => {
    try {
      return JSON.parse(await readFile(file, "utf8")) as WrapFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return { versions: {} };
      throw error;
    }
  };
  return {
    async save(ref, wraps) {
      const file = fileOf(ref);
      const content = await read(file);
      const current = content.versions[ref.version.toString()] ?? [];
      const added = wraps.map((w) => ({ recipient: bytesToHex(w.recipient), wrappedKey: bytesToHex(w.wrappedKey) }));
      const kept = current.filter((w) => !added.some((a) => a.recipient === w.recipient));
      content.versions[ref.version.toString()] = [...kept, ...added];
      await writePrivateFile(file, JSON.stringify(content, null, 2) + "\n");
    },
    async load(ref) {
      const content = await read(fileOf(ref));
      return (content.versions[ref.version.toString()] ?? []).map((w) => ({
        recipient: hexToBytes(w.recipient),
        wrappedKey: hexToBytes(w.wrappedKey),
      }));
    },
    async forget(ref) {
      await rm(fileOf(ref), { force: true });
    },
  };
}
