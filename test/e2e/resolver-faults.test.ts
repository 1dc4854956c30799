import { expect } from "chai";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { expectRejects } from "../helpers/rejects";
import { postAccess, rawRequest, signedAccessBody } from "../helpers/access-requests";
import { startLocalChain, type LocalChain } from "../../era-test-node/local-chain";
import { depositRecordKey, ResolverError, type HealthBody } from "../../sdk/resolver";
import type { IngestedRecord } from "../../sdk/records";
import type { StorageFaults } from "../../resolver/database";
import type { RunningResolver } from "../../resolver/server";
import { HEALTH_CACHE_MS, HEALTH_CHECK_TIMEOUT_MS } from "../../resolver/routes/health";
import { STORAGE_RETRY_AFTER_SECONDS, CHAIN_RETRY_AFTER_SECONDS } from "../../resolver/errors";
import { eventually } from "../helpers/eventually";

const BUNDLE = JSON.parse(readFileSync(path.resolve(__dirname, "..", "fixtures", "synthetic-patient-bundle.json"), "utf8"));

/** An error as node-sqlite3 reports a full disk (`SQLITE_FULL`, errno 13). */
const sqliteFull = () => Object.assign(new Error("SQLITE_FULL: database or disk is full"), { errno: 13, code: "SQLITE_FULL" });

/**
 * The resolver on a real chain under faults: a full disk (writes fail with SQLITE_FULL, injected into the
 * database's statements; and for real, on a tmpfs filled to ENOSPC, where the machine lets the test mount one) and a
 * fresh chain without the contracts on the resolver's RPC URL. The SDK client sees
 * typed, retryable `ResolverError`s with `retry-after`; an erased record stays 410.
 */
describe("e2e: the resolver under storage and chain faults", function () {
  this.timeout(180_000);
  let stack: ResolverStack;
  let records: IngestedRecord[];
  const health = async (url: string) => {
    await new Promise((resolve) => setTimeout(resolve, HEALTH_CACHE_MS + 50));
    const started = performance.now();
    const answer = await rawRequest(`${url}/healthz`, { method: "GET" });
    return { status: answer.status, body: answer.body as HealthBody, ms: performance.now() - started };
  };

  before(async () => {
    stack = await startResolverStack({ burnPollMs: 100 });
    records = await stack.ingest(BUNDLE);
    for (const record of records) await stack.grantRead(stack.signers.reader.address, record.tokenId);
  });
  after(async () => stack?.stop());

  describe("a full disk", () => {
    let faulty: RunningResolver;
    const faults: StorageFaults = {};
    before(async () => {
      faulty = await stack.startAnotherResolver({ burnPollMs: 100 }, { databaseFaults: faults });
    });
    afterEach(() => delete faults.write);

    const deposit = async (record: IngestedRecord) => {
      const wrap = await stack.resolver.database.getWrap(record.tokenId, record.version);
      return depositRecordKey({ url: faulty.url, signer: stack.signers.writer, domain: stack.domain, tokenId: record.tokenId, version: record.version, wrappedKey: wrap! });
    };

    it("a key deposit and a key release are 503 STORAGE_UNAVAILABLE, typed and retryable in the SDK, with retry-after; nothing is released or disclosed", async () => {
      faults.write = sqliteFull;
      const refusedDeposit = (await expectRejects(deposit(records[0]), ResolverError, "STORAGE_UNAVAILABLE")) as ResolverError;
      expect(refusedDeposit).to.include({ status: 503, category: "unavailable", retryAfterSeconds: STORAGE_RETRY_AFTER_SECONDS });
      delete faults.write;
      await deposit(records[0]); // room again: the retry is stored
      faults.write = sqliteFull;
      const before = await stack.disclosureCount();
      const { body } = await signedAccessBody(stack, stack.signers.reader, records[0].tokenId);
      const refused = (await expectRejects(postAccess(stack, body, faulty.url), ResolverError, "STORAGE_UNAVAILABLE")) as ResolverError;
      expect(refused).to.include({ status: 503, category: "unavailable", retryAfterSeconds: STORAGE_RETRY_AFTER_SECONDS });
      expect(await stack.disclosureCount()).to.equal(before);
      const line = stack.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "key release" && l.code === "STORAGE_UNAVAILABLE");
      expect(line).to.include({ outcome: "refused", tokenId: records[0].tokenId.toString() });
    });

    it("a record burned while the disk is full is refused 410 (the watcher's tombstone write failed, the tombstone is in memory); /healthz names database-writable", async () => {
      const record = records[1];
      await deposit(record);
      faults.write = sqliteFull;
      await (await stack.recordToken.burn(record.tokenId)).wait();
      await eventually(() => faulty.database.isErased(record.tokenId));
      const { body } = await signedAccessBody(stack, stack.signers.reader, record.tokenId);
      await expectRejects(postAccess(stack, body, faulty.url), ResolverError, "RECORD_ERASED");
      const { status, body: answer, ms } = await health(faulty.url);
      expect(status).to.equal(503);
      expect(answer.failing).to.include("database-writable").and.not.include("chain");
      expect(ms).to.be.lessThan(HEALTH_CHECK_TIMEOUT_MS + 1_000);
      // The disk has room again: the watcher writes the tombstone and shreds the wrap, /healthz is 200.
      delete faults.write;
      await eventually(async () => !(await faulty.database.hasWraps(record.tokenId)));
      expect((await health(faulty.url)).status).to.equal(200);
    });
  });

  describe("a real full filesystem (the database on a 1 MiB tmpfs filled to ENOSPC)", () => {
    const mountPoint = path.join(os.tmpdir(), `medrec-full-disk-${process.pid}`);
    const filler = path.join(mountPoint, "filler");
    let mounted = false;
    let full: RunningResolver;
    before(async function () {
      mkdirSync(mountPoint, { recursive: true });
      try {
        execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", mountPoint], { stdio: "ignore" });
        mounted = true;
      } catch {
        // Not root, or no mount rights in this container: the injected SQLITE_FULL above stands in for it.
        return this.skip();
      }
      full = await stack.startAnotherResolver({ burnPollMs: 100, databaseFile: path.join(mountPoint, "resolver.sqlite") });
    });
    after(async () => {
      await full?.close(); // the files must be closed before the unmount
      if (mounted) execFileSync("umount", [mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    });
    /** Fills the filesystem with one file until the kernel says ENOSPC; returns its size. */
    const fill = () => {
      const fd = openSync(filler, "w", 0o600);
      const chunk = Buffer.alloc(4096);
      let bytes = 0;
      try {
        for (;;) bytes += writeSync(fd, chunk);
      } catch (error) {
        expect((error as { code?: string }).code).to.equal("ENOSPC");
      } finally {
        closeSync(fd);
      }
      return bytes;
    };
    const depositTo = async (url: string, record: IngestedRecord) => {
      const wrap = await stack.resolver.database.getWrap(record.tokenId, record.version);
      return depositRecordKey({ url, signer: stack.signers.writer, domain: stack.domain, tokenId: record.tokenId, version: record.version, wrappedKey: wrap! });
    };

    it("deposits and releases are 503 STORAGE_UNAVAILABLE from the kernel's ENOSPC, nothing disclosed; a burned record stays 410; freed, it recovers without a restart", async () => {
      const [kept, later, burned] = records.slice(3, 6);
      await depositTo(full.url, kept);
      await depositTo(full.url, burned);
      expect((await stack.read(stack.signers.reader, kept.tokenId, { url: full.url })).tokenId).to.equal(kept.tokenId);
      const filled = fill();
      const before = await stack.disclosureCount();
      const refusedDeposit = (await expectRejects(depositTo(full.url, later), ResolverError, "STORAGE_UNAVAILABLE")) as ResolverError;
      expect(refusedDeposit).to.include({ status: 503, retryAfterSeconds: STORAGE_RETRY_AFTER_SECONDS });
      const { body } = await signedAccessBody(stack, stack.signers.reader, kept.tokenId);
      await expectRejects(postAccess(stack, body, full.url), ResolverError, "STORAGE_UNAVAILABLE");
      expect(await stack.disclosureCount(), "nothing disclosed for a request refused on a full disk").to.equal(before);
      const { status, body: answer } = await health(full.url);
      expect(status).to.equal(503);
      expect(answer.failing).to.include("database-writable");
      expect(answer.checks["database-writable"].error).to.equal("SQLITE_FULL");
      await (await stack.recordToken.burn(burned.tokenId)).wait();
      await eventually(() => full.database.isErased(burned.tokenId));
      const { body: erasedBody } = await signedAccessBody(stack, stack.signers.reader, burned.tokenId);
      await expectRejects(postAccess(stack, erasedBody, full.url), ResolverError, "RECORD_ERASED");
      // Room again: no restart needed. The same signed release is answered now (its nonce was never stored).
      rmSync(filler);
      const freedAt = performance.now();
      await eventually(async () => (await health(full.url)).status === 200, 10_000);
      const recoveryMs = performance.now() - freedAt;
      expect((await postAccess(stack, body, full.url)).disclosure.requestHash).to.be.a("string");
      await depositTo(full.url, later);
      expect(await full.database.hasWraps(kept.tokenId), "no wrap lost").to.equal(true);
      await eventually(async () => !(await full.database.hasWraps(burned.tokenId))); // the watcher shreds it now
      console.log(`      tmpfs: ${filled} filler bytes to ENOSPC; healthy ${Math.round(recoveryMs)} ms after the space was freed`);
    });
  });

  describe("a fresh chain without the contracts on the resolver's RPC URL", () => {
    let fresh: LocalChain;
    let lost: RunningResolver;
    before(async () => {
      fresh = await startLocalChain();
      lost = await stack.startAnotherResolver({ rpcUrl: fresh.rpcUrl });
    });
    after(async () => {
      await lost?.close();
      await fresh?.stop();
    });

    it("/healthz is 503 naming contract-code, not chain (the node answers), within its bound", async () => {
      const { status, body, ms } = await health(lost.url);
      expect(status).to.equal(503);
      expect(body.failing).to.include("contract-code").and.not.include("chain").and.not.include("resolver-role");
      expect(body.checks["contract-code"].error).to.include(stack.deployment.contracts.ConsentManager.address);
      expect(body.blockNumber).to.be.a("number");
      expect(ms).to.be.lessThan(HEALTH_CHECK_TIMEOUT_MS + 1_000);
    });

    it("a key release and a key deposit are 503 CHAIN_UNAVAILABLE with retry-after, not a 500 INTERNAL", async () => {
      const { body } = await signedAccessBody(stack, stack.signers.reader, records[2].tokenId);
      const refused = (await expectRejects(postAccess(stack, body, lost.url), ResolverError, "CHAIN_UNAVAILABLE")) as ResolverError;
      expect(refused).to.include({ status: 503, category: "unavailable", retryAfterSeconds: CHAIN_RETRY_AFTER_SECONDS });
      const wrap = await stack.resolver.database.getWrap(records[2].tokenId, records[2].version);
      const deposit = depositRecordKey({ url: lost.url, signer: stack.signers.writer, domain: stack.domain, tokenId: records[2].tokenId, version: records[2].version, wrappedKey: wrap! });
      await expectRejects(deposit, ResolverError, "CHAIN_UNAVAILABLE");
    });
  });
});
