import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openResolverDatabase } from "../../resolver/database";

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
    await db.putWrap(big, 1n, Uint8Array.of(1, 2, 3));
    await db.putWrap(big, 2n, Uint8Array.of(4));
    await db.putWrap(5n, 1n, Uint8Array.of(9));
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
});
