import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { openResolverDatabase, ResolverDatabaseOpenError, SYNCHRONOUS } from "../../resolver/database";

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

  it("the database file and its -wal and -shm files are readable by the owner only (0600), even if an earlier run left them open", async () => {
    const { chmod, stat, writeFile } = await import("node:fs/promises");
    const file = path.join(dir, "private.sqlite");
    const db = await openResolverDatabase(file);
    expect(await db.insertWrap(1n, 1n, Uint8Array.of(1))).to.equal("stored");
    await db.claimNonce("0x0000000000000000000000000000000000000001", 1n, 10n);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) expect((await stat(f)).mode & 0o777, f).to.equal(0o600);
    await db.close();
    // A file from before (world-readable) is restricted when it is opened again.
    const old = path.join(dir, "old.sqlite");
    await writeFile(old, "");
    await chmod(old, 0o644);
    const reopened = await openResolverDatabase(old);
    expect((await stat(old)).mode & 0o777).to.equal(0o600);
    await reopened.close();
  });

  it("start-up on a read-only database file fails with an error that names the file and says what to do", async function () {
    const file = path.join(dir, "readonly.sqlite");
    (await openResolverDatabase(file)).close();
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

  it("commits are durable (synchronous FULL, read back from the connection): a claimed nonce survives a power loss, not only a process crash", async () => {
    const db = await openResolverDatabase(path.join(dir, "sync.sqlite"));
    expect(SYNCHRONOUS).to.equal("FULL");
    expect(await db.synchronousMode()).to.equal("FULL");
    await db.close();
  });
});
