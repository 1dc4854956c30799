import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { LOCKING_MODE, openResolverDatabase, ResolverDatabaseInUseError, ResolverDatabaseOpenError, SYNCHRONOUS } from "../../resolver/database";

const ROOT = path.resolve(__dirname, "..", "..");

/** Opens the resolver database at `file` in a child process (ts-node), resolving once it holds it. */
async function holdInChild(file: string): Promise<{ kill(): Promise<void> }> {
  const script = `require("./resolver/database").openResolverDatabase(${JSON.stringify(file)}).then(async (db) => { await db.setMeta("holder", "child"); console.log("open"); setInterval(() => {}, 1000); }, (e) => { console.error(e.message); process.exit(1); });`;
  const child = spawn(process.execPath, [path.join(ROOT, "node_modules", "ts-node", "dist", "bin.js"), "--transpile-only", "-e", script], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()) && output.includes("open") && resolve());
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`the child exited (${code}) before opening: ${output}`)));
  });
  return {
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

/**
 * Makes `target` read-only for this process: mode 0400/0500 for a normal user; as root (who ignores modes) the
 * immutable attribute. Returns the undo, or `undefined` when neither is possible here.
 */
function makeReadOnly(target: string, folder: boolean): (() => void) | undefined {
  if (process.getuid?.() !== 0) {
    chmodSync(target, folder ? 0o500 : 0o400);
    return () => chmodSync(target, folder ? 0o700 : 0o600);
  }
  try {
    execFileSync("chattr", ["+i", target], { stdio: "ignore" });
    return () => execFileSync("chattr", ["-i", target], { stdio: "ignore" });
  } catch {
    return undefined;
  }
}

describe("resolver/database: SQLite state on disk", function () {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "medrec-resolver-db-"));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it("a nonce is claimed exactly once, even by 50 concurrent claims, and per requester", async () => {
    const db = await openResolverDatabase(path.join(dir, "nonces.sqlite"));
    const claims = await Promise.all(Array.from({ length: 50 }, () => db.claimNonce("0xAbC0000000000000000000000000000000000001", 7n, 100n)));
    expect(claims.filter(Boolean)).to.have.length(1);
    expect(await db.claimNonce("0xabc0000000000000000000000000000000000001", 7n, 100n)).to.equal(false); // case-insensitive
    expect(await db.claimNonce("0xabc0000000000000000000000000000000000002", 7n, 100n)).to.equal(true);
    expect(await db.pruneNonces(101n)).to.equal(2);
    await db.close();
  });

  it("wraps, tombstones and settings survive a reopen; shredding deletes every version", async () => {
    const file = path.join(dir, "state.sqlite");
    let db = await openResolverDatabase(file);
    const big = (1n << 256n) - 2n;
    expect(await db.insertWrap(big, 1n, Uint8Array.of(1, 2, 3))).to.equal("stored");
    expect(await db.insertWrap(big, 2n, Uint8Array.of(4))).to.equal("stored");
    expect(await db.insertWrap(5n, 1n, Uint8Array.of(9))).to.equal("stored");
    await db.setMeta("burns.scannedBlock", "42");
    await db.close();
    db = await openResolverDatabase(file);
    expect(Array.from((await db.getWrap(big, 1n))!)).to.deep.equal([1, 2, 3]);
    expect(await db.getMeta("burns.scannedBlock")).to.equal("42");
    expect(await db.shred(big, 10)).to.equal(2);
    expect(await db.shred(big, 11)).to.equal(0);
    expect(await db.hasWraps(big)).to.equal(false);
    expect(await db.isErased(big)).to.equal(true);
    expect(await db.isErased(5n)).to.equal(false);
    expect(await db.counts()).to.deep.equal({ wraps: 1, erased: 1, nonces: 0 });
    await db.close();
  });

  it("a record version's wrap is written once: the same bytes again are 'unchanged', other bytes a 'conflict' that replaces nothing", async () => {
    const db = await openResolverDatabase(path.join(dir, "once.sqlite"));
    expect(await db.insertWrap(3n, 1n, Uint8Array.of(1, 2))).to.equal("stored");
    expect(await db.insertWrap(3n, 1n, Uint8Array.of(1, 2))).to.equal("unchanged");
    expect(await db.insertWrap(3n, 1n, Uint8Array.of(9, 9))).to.equal("conflict");
    expect(Array.from((await db.getWrap(3n, 1n))!)).to.deep.equal([1, 2]);
    // Concurrent deposits of different wraps for one version: exactly one is stored, the rest conflict.
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => db.insertWrap(4n, 1n, Uint8Array.of(i))));
    expect(outcomes.filter((o) => o === "stored")).to.have.length(1);
    expect(outcomes.filter((o) => o === "conflict")).to.have.length(19);
    expect(await db.insertWrap(3n, 2n, Uint8Array.of(7))).to.equal("stored");
    await db.close();
  });

  it("the database file and its -wal file are readable by the owner only (0600), even if an earlier run left them (or a -shm) open; no -shm is made (exclusive locking)", async () => {
    const { chmod, stat, writeFile } = await import("node:fs/promises");
    const file = path.join(dir, "private.sqlite");
    const db = await openResolverDatabase(file);
    expect(await db.insertWrap(1n, 1n, Uint8Array.of(1))).to.equal("stored");
    await db.claimNonce("0x0000000000000000000000000000000000000001", 1n, 10n);
    for (const f of [file, `${file}-wal`]) expect((await stat(f)).mode & 0o777, f).to.equal(0o600);
    expect(existsSync(`${file}-shm`)).to.equal(false);
    await db.close();
    // A file from before (world-readable) is restricted when it is opened again.
    const old = path.join(dir, "old.sqlite");
    await writeFile(old, "");
    await chmod(old, 0o644);
    await writeFile(`${old}-shm`, "", { mode: 0o644 }); // left by a run before exclusive locking
    await chmod(`${old}-shm`, 0o644);
    const reopened = await openResolverDatabase(old);
    for (const f of [old, `${old}-shm`]) expect((await stat(f)).mode & 0o777, f).to.equal(0o600);
    await reopened.close();
  });

  it("start-up on a read-only database file fails with an error that names the file and says what to do", async function () {
    const file = path.join(dir, "readonly.sqlite");
    await (await openResolverDatabase(file)).close();
    const undo = makeReadOnly(file, false);
    if (!undo) this.skip();
    try {
      const error = await openResolverDatabase(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(ResolverDatabaseOpenError);
      expect((error as Error).message).to.include(path.resolve(file)).and.include("writable").and.include("RESOLVER_DB");
    } finally {
      undo!();
    }
  });

  it("start-up on a database in a read-only folder (no -wal or journal can be made) fails naming the file", async function () {
    const folder = path.join(dir, "readonly-folder");
    const file = path.join(folder, "resolver.sqlite");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(folder, { mode: 0o700 });
    writeFileSync(file, "", { mode: 0o600 });
    const undo = makeReadOnly(folder, true);
    if (!undo) this.skip();
    try {
      const error = await openResolverDatabase(file).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(ResolverDatabaseOpenError);
      expect((error as Error).message).to.include(path.resolve(file)).and.include("RESOLVER_DB");
      expect((error as ResolverDatabaseOpenError).file).to.equal(file);
    } finally {
      undo!();
    }
  });

  it("attack: a second copy on the same database file is refused at start-up, naming the file; it opens once the first closes, with the first's state", async () => {
    expect(LOCKING_MODE).to.equal("EXCLUSIVE");
    const file = path.join(dir, "one-copy.sqlite");
    const first = await openResolverDatabase(file);
    expect(await first.claimNonce("0xabc0000000000000000000000000000000000001", 1n, 100n)).to.equal(true);
    const error = await openResolverDatabase(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ResolverDatabaseInUseError);
    expect((error as Error).message).to.include(path.resolve(file)).and.include("in use by another process").and.include("RESOLVER_DB");
    expect(await first.claimNonce("0xabc0000000000000000000000000000000000001", 2n, 100n)).to.equal(true); // the first copy goes on
    await first.close();
    const second = await openResolverDatabase(file);
    expect(await second.claimNonce("0xabc0000000000000000000000000000000000001", 1n, 100n)).to.equal(false); // the first's nonce
    await second.close();
  });

  it("the lock is the process's: another process holding the file refuses this one; killed with SIGKILL, it leaves no stale lock", async () => {
    const file = path.join(dir, "held.sqlite");
    const holder = await holdInChild(file);
    try {
      await openResolverDatabase(file).then(
        () => expect.fail("opened a database another process holds"),
        (e: unknown) => expect(e).to.be.instanceOf(ResolverDatabaseInUseError),
      );
    } finally {
      await holder.kill();
    }
    const db = await openResolverDatabase(file);
    expect(await db.getMeta("holder")).to.equal("child"); // the killed process's commit is there
    await db.close();
  });

  it("commits are durable (synchronous FULL, read back from the connection): a claimed nonce survives a power loss, not only a process crash", async () => {
    const db = await openResolverDatabase(path.join(dir, "sync.sqlite"));
    expect(SYNCHRONOUS).to.equal("FULL");
    expect(await db.synchronousMode()).to.equal("FULL");
    await db.close();
  });
});
