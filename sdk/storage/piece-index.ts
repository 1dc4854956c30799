/**
 * The local index of a Filecoin-backed store: which piece holds which object.
 *
 * Filecoin retrieves by piece CID, the chain stores the object's (IPFS) CID; the index maps one to the other and
 * remembers the piece id needed to delete the piece. It is a JSON file, rewritten atomically (temp file + rename)
 * after every change, so it survives restarts. It holds CIDs, sizes and hashes only — no payload, no keys.
 *
 * @module
 */
import fs from "node:fs/promises";
import path from "node:path";
import type { ContentHash } from "./types";
import { StorageConfigError } from "./errors";
import { writePrivateFile } from "../files/private-file";

/** What the index remembers about one stored object. */
export interface PieceIndexEntry {
  /** Piece CID (CommPv2, `bafkzcib…`) of the CAR that holds the object. */
  readonly pieceCid: string;
  /** Id of the piece in its data set, when the provider confirmed one; needed to delete the piece. */
  readonly pieceId?: number;
  /** Data set the piece was added to. */
  readonly dataSetId: string;
  /** Payload size in bytes. */
  readonly size: number;
  /** SHA-256 of the payload. */
  readonly contentHash: ContentHash;
  /** Size of the uploaded CAR in bytes. */
  readonly carSize: number;
}

/** File name of the index inside its folder. */
export const PIECE_INDEX_FILE = "filecoin-pin-index.json";

interface PieceIndexFile {
  readonly version: 1;
  readonly entries: Record<string, PieceIndexEntry>;
}

/** A persistent map from object CID (base32 string) to {@link PieceIndexEntry}. */
export class PieceIndex {
  /** Path of the JSON file. */
  readonly file: string;
  readonly #entries: Map<string, PieceIndexEntry>;
  #writes: Promise<void> = Promise.resolve();

  private constructor(file: string, entries: Map<string, PieceIndexEntry>) {
    this.file = file;
    this.#entries = entries;
  }

  /**
   * Loads the index in `directory` (creating the folder; an absent file is an empty index).
   * @param directory Folder of the index.
   * @returns The index.
   * @throws {StorageConfigError} If the file exists but is not an index of this version.
   */
  static async open(directory: string): Promise<PieceIndex> {
    await fs.mkdir(directory, { recursive: true });
    const file = path.join(path.resolve(directory), PIECE_INDEX_FILE);
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return new PieceIndex(file, new Map());
      throw err;
    }
    let parsed: PieceIndexFile;
    try {
      parsed = JSON.parse(text) as PieceIndexFile;
    } catch (err) {
      throw new StorageConfigError(`piece index ${file} is not JSON`, { cause: err });
    }
    if (parsed?.version !== 1 || typeof parsed.entries !== "object" || parsed.entries === null) {
      throw new StorageConfigError(`piece index ${file} has an unknown format`);
    }
    return new PieceIndex(file, new Map(Object.entries(parsed.entries)));
  }

  /**
   * @param cid Object CID (base32 string).
   * @returns Its entry, or `undefined`.
   */
  get(cid: string): PieceIndexEntry | undefined {
    return this.#entries.get(cid);
  }

  /**
   * Records (or replaces) an entry and persists the index.
   * @param cid Object CID (base32 string).
   * @param entry Where it is stored.
   */
  async set(cid: string, entry: PieceIndexEntry): Promise<void> {
    this.#entries.set(cid, { ...entry });
    await this.#persist();
  }

  /**
   * Forgets an entry and persists the index.
   * @param cid Object CID (base32 string).
   * @returns Whether there was an entry.
   */
  async delete(cid: string): Promise<boolean> {
    const had = this.#entries.delete(cid);
    if (had) await this.#persist();
    return had;
  }

  /** Number of objects in the index. */
  get size(): number {
    return this.#entries.size;
  }

  /** Writes the whole index to a temp file and renames it over the index (serialised). */
  #persist(): Promise<void> {
    const write = async () => {
      const body: PieceIndexFile = { version: 1, entries: Object.fromEntries(this.#entries) };
      await writePrivateFile(this.file, `${JSON.stringify(body, null, 2)}\n`);
    };
    const run = this.#writes.then(write, write);
    this.#writes = run.catch(() => undefined);
    return run;
  }
}
