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
  /**
   * Whether the record was erased. Answered from memory (every tombstone is loaded at open and added by
   * {@link ResolverDatabase.shred} before it is written), so it answers even when the storage fails: an erased record
   * stays 410 on a full or read-only disk.
   */
  isErased(tokenId: bigint): Promise<boolean>;
  /** Marks `(requester, nonce)` used; `false` when it already was (a replay). Atomic. */
  claimNonce(requester: string, nonce: bigint, deadline: bigint): Promise<boolean>;
  /** Forgets nonces whose deadline passed before `nowSeconds` (their requests are refused as expired anyway). */
  pruneNonces(nowSeconds: bigint): Promise<number>;
  /** A small persistent setting (e.g. the last block scanned). */
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /**
   * `/healthz`'s `database-writable` check: one real write (an upsert of the one row of `health`, committed with the
   * database's `synchronous` setting), so a full disk, an I/O error or a read-only file fails it.
   * @throws The SQLite error.
   */
  probeWritable(): Promise<void>;
  /** The connection's `PRAGMA synchronous`, by name (`FULL`, see {@link SYNCHRONOUS}). */
  synchronousMode(): Promise<string>;
  /** Counts for `/healthz`. */
  counts(): Promise<{ wraps: number; erased: number; nonces: number }>;
  close(): Promise<void>;
}

/**
 * Durability: WAL with `synchronous = FULL`, so every commit is on disk (the WAL is fsynced) before its statement
 * returns. With `NORMAL` a power loss (not a process crash) may undo the last commits: a claimed request nonce
 * would be forgotten and its request, replayed after the restart, accepted again (one more release and one more
 * Disclosure of a request already answered); a deposit answered 201 could vanish. Measured on this machine (3,000
 * claims, WAL): NORMAL 5–14 k claims/s, FULL 1.6–2.1 k claims/s, far above the releases the chain can disclose
 * (≈ 240/s, README).
 */
export const SYNCHRONOUS = "FULL";

/**
 * One process per database file: the connection takes SQLite's exclusive lock (`locking_mode = EXCLUSIVE`, a POSIX
 * lock the kernel releases when the process ends, even by kill -9) at the write {@link openResolverDatabase} makes,
 * and holds it until it closes. A second copy of the resolver on the same file is refused at start-up
 * ({@link ResolverDatabaseInUseError}) instead of racing the first one for nonces and wraps (`SQLITE_BUSY`, nonce
 * clashes). No `-shm` file is used; other processes cannot read the file while the resolver runs (back it up with
 * the resolver stopped, or by a filesystem snapshot: the WAL with `synchronous = FULL` is consistent at every commit).
 */
export const LOCKING_MODE = "EXCLUSIVE";

/** How long start-up waits for the lock of a database another process holds, in ms (then the file is in use). */
const OPEN_BUSY_TIMEOUT_MS = 1_000;

const SCHEMA = [
  `PRAGMA locking_mode = ${LOCKING_MODE}`,
  `PRAGMA busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`,
  "PRAGMA journal_mode = WAL",
  `PRAGMA synchronous = ${SYNCHRONOUS}`,
  `CREATE TABLE IF NOT EXISTS wraps (
     token_id TEXT NOT NULL, version TEXT NOT NULL, wrapped_key BLOB NOT NULL, stored_at INTEGER NOT NULL,
     PRIMARY KEY (token_id, version))`,
  "CREATE TABLE IF NOT EXISTS erased (token_id TEXT PRIMARY KEY, block_number INTEGER NOT NULL)",
  `CREATE TABLE IF NOT EXISTS nonces (
     requester TEXT NOT NULL, nonce TEXT NOT NULL, deadline INTEGER NOT NULL, PRIMARY KEY (requester, nonce))`,
  "CREATE INDEX IF NOT EXISTS nonces_deadline ON nonces (deadline)",
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS health (id INTEGER PRIMARY KEY CHECK (id = 1), probed_at INTEGER NOT NULL)",
];

/** Busy timeout once open (the lock is held by this connection; only its own statements queue), in ms. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Faults injected into the database's statements (tests: a full disk without filling one). Each is asked before a
 * statement runs and, when it returns an error, the statement fails with it instead.
 */
export interface StorageFaults {
  /** Before each statement that writes (anything but a `SELECT`). */
  write?: () => Error | undefined;
  /** Before each `SELECT`. */
  read?: () => Error | undefined;
}

/** The resolver database could not be opened for writing at start-up; names the file and what to do. */
export class ResolverDatabaseOpenError extends Error {
  constructor(
    readonly file: string,
    options: ErrorOptions & { cause: unknown },
  ) {
    const cause = options.cause as { code?: unknown; message?: unknown };
    const code = typeof cause?.code === "string" ? cause.code : "error";
    super(
      `cannot open the resolver database ${path.resolve(file)} for writing (${code}: ${String(cause?.message ?? cause)}): ` +
        `make the file, its -wal and -shm files and its folder writable by this user on a writable filesystem with free space, or set RESOLVER_DB to such a path`,
      options,
    );
    this.name = "ResolverDatabaseOpenError";
  }
}

/**
 * Another process holds the resolver database's lock at start-up: a second copy of the resolver on the same file
 * (one resolver per database file and disclosure key; README, *Running several resolvers*). Names the file.
 */
export class ResolverDatabaseInUseError extends ResolverDatabaseOpenError {
  constructor(file: string, options: ErrorOptions & { cause: unknown }) {
    super(file, options);
    this.name = "ResolverDatabaseInUseError";
    this.message =
      `the resolver database ${path.resolve(file)} is in use by another process (a second copy of this resolver?): ` +
      `one resolver runs per database file and disclosure key; stop the other one, or give this one its own key and RESOLVER_DB`;
  }
}

/** SQLite's answer when another connection holds the lock (after the busy timeout). */
function isLockedByAnother(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED";
}

function promised(db: sqlite3.Database, faults: StorageFaults = {}) {
  const run = (sql: string, params: unknown[] = []) =>
    new Promise<{ changes: number }>((resolve, reject) => {
      const fault = faults.write?.();
      if (fault) return reject(fault);
      db.run(sql, params, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error);
        else resolve({ changes: this.changes });
      });
    });
  const get = <T>(sql: string, params: unknown[] = []) =>
    new Promise<T | undefined>((resolve, reject) => {
      const fault = faults.read?.();
      if (fault) return reject(fault);
      db.get(sql, params, (error, row) => (error ? reject(error) : resolve(row as T | undefined)));
    });
  const all = <T>(sql: string, params: unknown[] = []) =>
    new Promise<T[]>((resolve, reject) => {
      const fault = faults.read?.();
      if (fault) return reject(fault);
      db.all(sql, params, (error, rows) => (error ? reject(error) : resolve(rows as T[])));
    });
  return { run, get, all };
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
 * Opens (creating when missing) the resolver database at `file` (`:memory:` for a throwaway one), and checks that it
 * can be written (one write of {@link ResolverDatabase.probeWritable}), so that a read-only file, folder or
 * filesystem fails at start-up rather than at the first request.
 * @param file A path; its folder is created with mode 0700, the files with mode 0600.
 * @param options Faults to inject (tests).
 * @throws {ResolverDatabaseOpenError} Naming the file, when it cannot be opened or written.
 */
export async function openResolverDatabase(file: string, options: { faults?: StorageFaults } = {}): Promise<ResolverDatabase> {
  let db: sqlite3.Database | undefined;
  try {
    if (file !== ":memory:") restrictFiles(file);
    db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const handle = new sqlite3.Database(file, (error) => (error ? reject(error) : resolve(handle)));
    });
    const { run } = promised(db);
    for (const statement of SCHEMA) await run(statement);
    await run(PROBE, [Date.now()]); // takes the exclusive lock (LOCKING_MODE) for as long as the connection is open
    await run(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (error) {
    const opened = db;
    if (opened) await new Promise<void>((resolve) => opened.close(() => resolve()));
    if (isLockedByAnother(error)) throw new ResolverDatabaseInUseError(file, { cause: error });
    throw new ResolverDatabaseOpenError(file, { cause: error });
  }
  return databaseOver(db, options.faults);
}

/** The write of {@link ResolverDatabase.probeWritable}. */
const PROBE = "INSERT INTO health (id, probed_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at";

async function databaseOver(db: sqlite3.Database, faults?: StorageFaults): Promise<ResolverDatabase> {
  const { run, get, all } = promised(db, faults);
  const id = (value: bigint) => value.toString();
  // Every tombstone, in memory (a few bytes per erased record): isErased never needs the disk. Only this process
  // writes `erased` (one resolver per database file).
  const erased = new Set((await all<{ token_id: string }>("SELECT token_id FROM erased")).map((row) => row.token_id));

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
      // In memory first: even if the writes below fail (disk full), this process refuses the record from now on.
      erased.add(id(tokenId));
      // Tombstone first: if the process dies in between, the record already reads as erased and the next
      // shred (burn scan or request) deletes what is left. No explicit transaction: the connection is shared
      // by concurrent requests, whose statements would otherwise join (and roll back with) this one.
      await run("INSERT OR IGNORE INTO erased (token_id, block_number) VALUES (?, ?)", [id(tokenId), blockNumber]);
      return (await run("DELETE FROM wraps WHERE token_id = ?", [id(tokenId)])).changes;
    },
    async isErased(tokenId) {
      return erased.has(id(tokenId));
    },
    async synchronousMode() {
      const row = await get<{ synchronous: number }>("PRAGMA synchronous");
      return ["OFF", "NORMAL", "FULL", "EXTRA"][row!.synchronous] ?? String(row!.synchronous);
    },
    async probeWritable() {
      await run(PROBE, [Date.now()]);
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
