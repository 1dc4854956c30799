import { expect } from "chai";
import net from "node:net";
import { Wallet } from "ethers";
import { chainlessResolver, type ChainlessResolver } from "../helpers/chainless-resolver";
import { signedAccessBody } from "../helpers/access-requests";
import { expectRefusal, send } from "../helpers/inject-refusals";
import { RESOLVER_ROUTES, type HealthBody } from "../../sdk/resolver";
import { HEALTH_CHECK_TIMEOUT_MS } from "../../resolver/routes/health";
import { STORAGE_RETRY_AFTER_SECONDS } from "../../resolver/errors";
import { CHAIN_CALL_TIMEOUT_MS } from "../../resolver/chain";
import type { StorageFaults } from "../../resolver/database";

/** An error as node-sqlite3 reports a full disk (`SQLITE_FULL`, errno 13). */
export function sqliteFull(): Error {
  return Object.assign(new Error("SQLITE_FULL: database or disk is full"), { errno: 13, code: "SQLITE_FULL" });
}

/**
 * The resolver under faults, through `inject` against the real app: a database whose writes fail as on a full disk,
 * a chain node that accepts connections and never answers. (A fresh chain without the contracts, and deposits on a
 * full disk, need a node: `test/e2e/resolver-faults.test.ts`.)
 */
describe("resolver under faults (inject): full disk, a node that never answers", () => {
  const reader = Wallet.createRandom();
  const health = async (resolver: ChainlessResolver) => {
    const started = performance.now();
    const response = await resolver.app.inject({ method: "GET", url: RESOLVER_ROUTES.health });
    return { response, body: response.json<HealthBody>(), ms: performance.now() - started };
  };

  describe("a full disk (every write fails with SQLITE_FULL)", () => {
    let resolver: ChainlessResolver;
    const faults: StorageFaults = {};
    before(async () => {
      resolver = await chainlessResolver({ limits: { perIpPerMinute: 100_000, perRequesterPerMinute: 100_000 }, databaseFaults: faults });
    });
    afterEach(() => delete faults.write);
    after(async () => resolver?.close());

    it("a key release is 503 STORAGE_UNAVAILABLE with retry-after (not a 500 INTERNAL), and the log line carries that code", async () => {
      faults.write = sqliteFull;
      const { body } = await signedAccessBody(resolver, reader, 1n);
      const response = await send(resolver.app, "POST", RESOLVER_ROUTES.access, body);
      const error = expectRefusal(response, 503, "STORAGE_UNAVAILABLE");
      expect(error.message).to.include("SQLITE_FULL");
      expect(response.headers["retry-after"]).to.equal(String(STORAGE_RETRY_AFTER_SECONDS));
      const line = resolver.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "key release" && l.outcome === "refused");
      expect(line).to.include({ code: "STORAGE_UNAVAILABLE", tokenId: "1" });
    });

    it("an erased record is still 410 RECORD_ERASED: erased before the disk filled, and erased while it is full (the tombstone write failed)", async () => {
      await resolver.database.shred(7n, 1);
      faults.write = sqliteFull;
      expectRefusal(await send(resolver.app, "POST", RESOLVER_ROUTES.access, (await signedAccessBody(resolver, reader, 7n)).body), 410, "RECORD_ERASED");
      // Erased while the disk is full: the write fails, the tombstone is kept in memory.
      let failed: unknown;
      await resolver.database.shred(8n, 2).catch((error: unknown) => (failed = error));
      expect((failed as { code?: string }).code).to.equal("SQLITE_FULL");
      expect(await resolver.database.isErased(8n)).to.equal(true);
      expectRefusal(await send(resolver.app, "POST", RESOLVER_ROUTES.access, (await signedAccessBody(resolver, reader, 8n)).body), 410, "RECORD_ERASED");
    });

    it("/healthz is 503 naming database-writable (reads still work: the counts are there), within its bound", async () => {
      faults.write = sqliteFull;
      await new Promise((resolve) => setTimeout(resolve, 1_050)); // past the one-second cache
      const { response, body, ms } = await health(resolver);
      expect(response.statusCode).to.equal(503);
      expect(body.failing).to.include("database-writable");
      expect(body.checks["database-writable"]).to.include({ ok: false, error: "SQLITE_FULL" });
      expect(body.checks["database-readable"].ok).to.equal(true);
      expect(body.erased).to.be.a("number");
      expect(ms).to.be.lessThan(HEALTH_CHECK_TIMEOUT_MS + 1_000);
      // The disk has room again: the check passes (the chain of this stand-in never answers, so still 503 for `chain`).
      delete faults.write;
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      const again = await health(resolver);
      expect(again.body.failing).to.not.include("database-writable");
      expect(again.body.checks["database-writable"].ok).to.equal(true);
    });
  });

  describe("a chain node that accepts connections and never answers (paused)", () => {
    let resolver: ChainlessResolver;
    let silent: net.Server;
    const sockets = new Set<net.Socket>();
    before(async () => {
      silent = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => undefined);
      });
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const { port } = silent.address() as net.AddressInfo;
      resolver = await chainlessResolver({ rpcUrl: `http://127.0.0.1:${port}`, limits: { perIpPerMinute: 100_000 } });
    });
    after(async () => {
      await resolver?.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });

    it("/healthz answers within its bound: 503 naming chain (timed out), not contract-code or resolver-role, the database fine", async () => {
      const { response, body, ms } = await health(resolver);
      expect(ms, "answered within the check's time limit").to.be.lessThan(HEALTH_CHECK_TIMEOUT_MS + 1_000);
      expect(response.statusCode).to.equal(503);
      expect(body.failing).to.include("chain").and.not.include("contract-code").and.not.include("resolver-role").and.not.include("database-writable");
      expect(body.checks.chain.error).to.match(/timed out|TimeoutError|no answer/i);
      expect(body.blockNumber).to.equal(null);
    });

    it("a key release does not hang: 503 CHAIN_UNAVAILABLE with retry-after once the node's call times out", async function () {
      this.timeout(CHAIN_CALL_TIMEOUT_MS + 10_000);
      const started = performance.now();
      const response = await send(resolver.app, "POST", RESOLVER_ROUTES.access, (await signedAccessBody(resolver, reader, 1n)).body);
      const ms = performance.now() - started;
      expectRefusal(response, 503, "CHAIN_UNAVAILABLE");
      expect(response.headers["retry-after"]).to.equal("5");
      expect(ms).to.be.within(CHAIN_CALL_TIMEOUT_MS - 500, CHAIN_CALL_TIMEOUT_MS + 3_000);
    });
  });
});
