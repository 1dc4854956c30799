import { expect } from "chai";
import { createHash } from "node:crypto";
import { CHUNK_SIZE, RAW_CODEC, DAG_PB_CODEC, HeliaContentStore, importFile, loadEsm, objectBlocks, objectDag, readVerifiedFile } from "../../../sdk/storage";
import { makeTempDir, payload } from "./support/helpers";

/** The importer's root CID and blocks for `bytes`, written into a fresh in-memory blockstore. */
async function imported(bytes: Uint8Array) {
  const { MemoryBlockstore } = await loadEsm("blockstore-core");
  const blockstore = new MemoryBlockstore();
  const root = await importFile({ blockstore }, bytes);
  // The memory blockstore keys blocks by multihash (getAll answers raw CIDs), so blocks are compared by multihash.
  const multihashes: string[] = [];
  for await (const { cid } of blockstore.getAll()) multihashes.push(Buffer.from(cid.multihash.bytes).toString("hex"));
  return { root, multihashes: multihashes.sort() };
}

const sha256Hex = (bytes: Uint8Array) => `0x${createHash("sha256").update(bytes).digest("hex")}`;

describe("sdk/storage objectBlocks: one hash per byte, the importer's CID", () => {
  const MB5 = 5_000_000;
  for (const size of [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, MB5]) {
    it(`gives the importer's root CID and blocks, and the SHA-256 of the object, for ${size} bytes`, async function () {
      this.timeout(60_000);
      const bytes = payload(size);
      const fast = await objectBlocks(bytes);
      const reference = await imported(bytes);
      expect(fast.root.toString()).to.equal(reference.root.toString());
      expect(fast.blocks.map((b) => Buffer.from(b.cid.multihash.bytes).toString("hex")).sort()).to.deep.equal(reference.multihashes);
      expect(fast.contentHash).to.equal(sha256Hex(bytes));
      expect(fast.root.code).to.equal(size <= CHUNK_SIZE ? RAW_CODEC : DAG_PB_CODEC);
      const byCid = new Map(fast.blocks.map((b) => [b.cid.toString(), b.bytes]));
      const back = await readVerifiedFile(fast.root, async (cid) => byCid.get(cid.toString()));
      expect(Buffer.compare(Buffer.from(back), Buffer.from(bytes))).to.equal(0);
    });
  }

  it("builds a single-block object's CID from the one SHA-256 of its bytes (the digest is the content hash)", async () => {
    const bytes = payload(4096);
    const { root, blocks, contentHash } = await objectBlocks(bytes);
    expect(blocks).to.have.length(1);
    expect(blocks[0].bytes).to.equal(bytes); // the caller's bytes, not a copy
    expect(`0x${Buffer.from(root.multihash.digest).toString("hex")}`).to.equal(contentHash);
  });
});

describe("sdk/storage objectDag: the DAG at once, the content hash on demand", () => {
  for (const size of [0, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 3 * CHUNK_SIZE - 1]) {
    it(`hashes ${size} bytes (slice boundaries included) once, to their SHA-256, with objectBlocks' DAG`, async function () {
      this.timeout(60_000);
      const bytes = payload(size);
      const dag = await objectDag(bytes);
      const whole = await objectBlocks(bytes);
      expect(dag.root.toString()).to.equal(whole.root.toString());
      expect(dag.blocks.map((b) => b.cid.toString())).to.deep.equal(whole.blocks.map((b) => b.cid.toString()));
      const first = dag.contentHash();
      expect(dag.contentHash()).to.equal(first); // one computation, however often asked
      expect(await first).to.equal(sha256Hex(bytes));
    });
  }
});

describe("sdk/storage HeliaContentStore writes an object's blocks in one batch", () => {
  it("a put of a 3-chunk object is one putMany of the file blockstore, its writes in flight together; it reads back", async function () {
    this.timeout(60_000);
    const { FsBlockstore } = await loadEsm("blockstore-fs");
    const proto = FsBlockstore.prototype as unknown as Record<"put" | "putMany", (...args: unknown[]) => unknown>;
    const original = { put: proto.put, putMany: proto.putMany };
    const calls = { put: 0, putMany: 0 };
    let inFlight = 0;
    let maxInFlight = 0;
    proto.put = async function (this: unknown, ...args: unknown[]) {
      calls.put++;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        return await original.put.apply(this, args);
      } finally {
        inFlight--;
      }
    };
    proto.putMany = function (this: unknown, ...args: unknown[]) {
      calls.putMany++;
      return original.putMany.apply(this, args);
    };
    const temp = await makeTempDir("helia-batch");
    const store = await HeliaContentStore.open({ directory: temp.dir });
    try {
      const bytes = payload(2 * CHUNK_SIZE + 10);
      const put = await store.put(bytes);
      expect(calls).to.deep.equal({ put: 4, putMany: 1 }); // 3 raw leaves + the dag-pb root, all through one putMany
      expect(maxInFlight).to.be.greaterThan(1);
      expect(put.contentHash).to.equal(sha256Hex(bytes));
      const back = await store.get(put.cid, { expectedContentHash: put.contentHash });
      expect(Buffer.compare(Buffer.from(back), Buffer.from(bytes))).to.equal(0);
    } finally {
      proto.put = original.put;
      proto.putMany = original.putMany;
      await store.close();
      await temp.remove();
    }
  });
});
