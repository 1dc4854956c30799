/**
 * The on-disk {@link KeyStore} of Node callers (the CLI): one JSON file of wraps per record. Node only (`node:fs`).
 *
 * @module
 */
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { bytesToHex, hexToBytes } from "../crypto";
import { writePrivateFile } from "../files/private-file";
import type { KeyStore, RecordVersionRef } from "./key-store";

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
