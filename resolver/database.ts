import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import path from "node:path";
import sqlite3 from "sqlite3";

/** What {@link ResolverDatabase.insertWrap} did. */
export type WrapInsert = "stored" | "unchanged" | "conflict";

/**
 * The resolver's state on disk (SQLite, WAL): its wraps of record keys, the tombstones of erased records, the
 * access-request nonces already used, and the last block scanned for burns. Wraps are ciphertext (each opens
 * only with the resolver's private key, which is never stored here, and only for its record version); the file
 * and its `-wal`/`-shm` companions are still readable by the owner only (0600).
 */
export interface ResolverDatabase {
  /**
   * Stores the wrap of one record version, once: a record version has one wrap for good. `stored` when it was new,
   * `unchanged` when the very same bytes were there already (a retried deposit), `conflict` when other bytes were
   * (nothing is replaced, so a replayed or late deposit can never swap the key readers get). Atomic.
   */
  insertWrap(tokenId: bigint, version: bigint, wrappedKey: Uint8Array): Promise<WrapInsert>;
  /** The wrap of one record version, if held. */
  getWrap(tokenId: bigint, version: bigint): Promise<Uint8Array | undefined>;
  /** Whether any wrap of the record is held. */
  hasWraps(tokenId: bigint): Promise<boolean>;
  /** Crypto-shredding: deletes every wrap of the record and remembers that it was erased. Returns wraps deleted. */
  shred(tokenId: bigint, blockNumber: number): Promise<number>;
  /** Whether the record was erased. */
  isErased(tokenId: bigint): Promise<boolean>;
  /** Marks `(requester, nonce)` used; `false` when it already was (a replay). Atomic. */
  claimNonce(requester: string, nonce: bigint, deadline: bigint): Promise<boolean>;
  /** Forgets nonces whose deadline passed before `nowSeconds` (their requests are refused as expired anyway). */
  pruneNonces(nowSeconds: bigint): Promise<number>;
  /** A small persistent setting (e.g. the last block scanned). */
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /** Counts for `/healthz`. */
  counts(): Promise<{ wraps: number; erased: number; nonces: number }>;
  close(): Promise<void>;
}

const SCHEMA = [
  "PRAGMA journal_mode = WAL",
  "PRAGMA synchronous = NORMAL",
  "PRAGMA busy_timeout = 5000",
  `CREATE TABLE IF NOT EXISTS wraps (
     token_id TEXT NOT NULL, version TEXT NOT NULL, wrapped_key BLOB NOT NULL, stored_at INTEGER NOT NULL,
     PRIMARY KEY (token_id, version))`,
  "CREATE TABLE IF NOT EXISTS erased (token_id TEXT PRIMARY KEY, block_number INTEGER NOT NULL)",
  `CREATE TABLE IF NOT EXISTS nonces (
     requester TEXT NOT NULL, nonce TEXT NOT NULL, deadline INTEGER NOT NULL, PRIMARY KEY (requester, nonce))`,
  "CREATE INDEX IF NOT EXISTS nonces_deadline ON nonces (deadline)",
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
];

function promised(db: sqlite3.Database) {
  const run = (sql: string, params: unknown[] = []) =>
    new Promise<{ changes: number }>((resolve, reject) =>
      db.run(sql, params, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error);
        else resolve({ changes: this.changes });
      }),
    );
  const get = <T>(sql: string, params: unknown[] = []) =>
    new Promise<T | undefined>((resolve, reject) => db.get(sql, params, (error, row) => (error ? reject(error) : resolve(row as T | undefined))));
  return { run, get };
}

/**
 * Creates `file` with mode 0600 when missing and restricts it (and the `-wal`/`-shm` files of an earlier run) to
 * 0600 otherwise; SQLite creates its `-wal` and `-shm` files with the database file's mode.
 */
function restrictFiles(file: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, "a", 0o600));
  for (const companion of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(companion)) chmodSync(companion, 0o600);
}

/**
 * Opens (creating when missing) the resolver database at `file` (`:memory:` for a throwaway one).
 * @param file A path; its folder is created with mode 0700, the files with mode 0600.
 */
export async function openResolverDatabase(file: string): Promise<ResolverDatabase> {
  if (file !== ":memory:") restrictFiles(file);
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const handle = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(handle)));
  });
  const { run, get } = promised(db);
  for (const statement of SCHEMA) await run(statement);
  const id = (value: bigint) => value.toString();

  return {
    async insertWrap(tokenId, version, wrappedKey) {
      const bytes = Buffer.from(wrappedKey);
      const { changes } = await run(
        "INSERT INTO wraps (token_id, version, wrapped_key, stored_at) VALUES (?, ?, ?, ?) ON CONFLICT (token_id, version) DO NOTHING",
        [id(tokenId), id(version), bytes, Date.now()],
      );
      if (changes === 1) return "stored";
      const row = await get<{ wrapped_key: Buffer }>("SELECT wrapped_key FROM wraps WHERE token_id = ? AND version = ?", [id(tokenId), id(version)]);
      return row && Buffer.from(row.wrapped_key).equals(bytes) ? "unchanged" : "conflict";
    },
    async getWrap(tokenId, version) {
      const row = await get<{ wrapped_key: Buffer }>("SELECT wrapped_key FROM wraps WHERE token_id = ? AND version = ?", [id(tokenId), id(version)]);
      return row ? new Uint8Array(row.wrapped_key) : undefined;
    },
    async hasWraps(tokenId) {
      return (await get("SELECT 1 FROM wraps WHERE token_id = ? LIMIT 1", [id(tokenId)])) !== undefined;
    },
    async shred(tokenId, blockNumber) {
      // Tombstone first: if the process dies in between, the record already reads as erased and the next
      // shred (burn scan or request) deletes what is left. No explicit transaction: the connection is shared
      // by concurrent requests, whose statements would otherwise join (and roll back with) this one.
      await run("INSERT OR IGNORE INTO erased (token_id, block_number) VALUES (?, ?)", [id(tokenId), blockNumber]);
      return (await run("DELETE FROM wraps WHERE token_id = ?", [id(tokenId)])).changes;
    },
    async isErased(tokenId) {
      return (await get("SELECT 1 FROM erased WHERE token_id = ?", [id(tokenId)])) !== undefined;
    },
    async claimNonce(requester, nonce, deadline) {
      const { changes } = await run("INSERT OR IGNORE INTO nonces (requester, nonce, deadline) VALUES (?, ?, ?)", [
        requester.toLowerCase(),
        id(nonce),
        Number(deadline),
      ]);
      return changes === 1;
    },
    async pruneNonces(nowSeconds) {
      return (await run("DELETE FROM nonces WHERE deadline < ?", [Number(nowSeconds)])).changes;
    },
    async getMeta(key) {
      return (await get<{ value: string }>("SELECT value FROM meta WHERE key = ?", [key]))?.value;
    },
    async setMeta(key, value) {
      await run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value]);
    },
    async counts() {
      const count = async (table: string) => (await get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n;
      return { wraps: await count("wraps"), erased: await count("erased"), nonces: await count("nonces") };
    },
    close: () => new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve()))),
  };
}
