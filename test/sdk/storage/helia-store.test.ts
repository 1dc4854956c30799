import { expect } from "chai";
import fs from "node:fs/promises";
import path from "node:path";
import {
  BLOCKS_FOLDER,
  CHUNK_SIZE,
  ContentIntegrityError,
  ContentNotFoundError,
  HeliaContentStore,
  InvalidArgumentError,
  UnsupportedCidError,
} from "../../../sdk/storage";
import { describeContentStore, type ContentStoreHarness } from "./support/content-store-contract";
import { corruptFile, expectRejects, filesBelow, handBuiltCid, makeTempDir, payload } from "./support/helpers";

/** A fresh HeliaContentStore in a temp folder; `tamper` corrupts every block file on disk. */
async function heliaHarness(): Promise<ContentStoreHarness & { readonly directory: string }> {
  const temp = await makeTempDir("helia");
  let store = await HeliaContentStore.open({ directory: temp.dir });
  return {
    directory: temp.dir,
    get store() {
      return store;
    },
    async tamper() {
      for (const file of await filesBelow(path.join(temp.dir, BLOCKS_FOLDER))) await corruptFile(file);
    },
    async reopen() {
      await store.close();
      store = await HeliaContentStore.open({ directory: temp.dir });
      return store;
    },
    async cleanup() {
      await store.close();
      await temp.remove();
    },
  };
}

describeContentStore("HeliaContentStore (embedded, on disk)", heliaHarness);

describe("sdk/storage HeliaContentStore", function () {
  this.timeout(30_000);
  let harness: Awaited<ReturnType<typeof heliaHarness>>;
  beforeEach(async () => {
    harness = await heliaHarness();
  });
  afterEach(async () => {
    await harness.cleanup();
  });

  it("writes one file per block under <directory>/blocks and nothing else on put", async () => {
    await harness.store.put(payload(3 * CHUNK_SIZE + 1));
    const blockFiles = await filesBelow(path.join(harness.directory, BLOCKS_FOLDER));
    expect(blockFiles).to.have.length(5); // 4 raw leaves + 1 dag-pb root
  });

  it("names the corrupted block: flipping one leaf on disk fails with that leaf's CID", async () => {
    const bytes = payload(3 * CHUNK_SIZE);
    const put = await harness.store.put(bytes);
    // Find the block file holding the second chunk and flip a byte in it.
    const chunk = Buffer.from(bytes.subarray(CHUNK_SIZE, 2 * CHUNK_SIZE));
    let target: string | undefined;
    for (const file of await filesBelow(path.join(harness.directory, BLOCKS_FOLDER))) {
      if ((await fs.readFile(file)).equals(chunk)) target = file;
    }
    expect(target, "block file of chunk 2").to.be.a("string");
    await corruptFile(target!);
    const err = (await expectRejects(
      harness.store.get(put.cid),
      ContentIntegrityError,
      "CONTENT_INTEGRITY_FAILED",
    )) as ContentIntegrityError;
    expect(err.cid).to.match(/^bafk/); // the raw leaf, not the root
    expect(err.cid).to.not.equal(put.cid);
    expect(err.reason).to.contain("do not hash");
  });

  it("reports a missing inner block as ContentIntegrityError, a missing root as ContentNotFoundError", async () => {
    const bytes = payload(2 * CHUNK_SIZE);
    const put = await harness.store.put(bytes);
    const chunk = Buffer.from(bytes.subarray(0, CHUNK_SIZE));
    for (const file of await filesBelow(path.join(harness.directory, BLOCKS_FOLDER))) {
      if ((await fs.readFile(file)).equals(chunk)) await fs.rm(file);
    }
    const err = await expectRejects(harness.store.get(put.cid), ContentIntegrityError, "CONTENT_INTEGRITY_FAILED");
    expect(err.message).to.contain("missing");
    for (const file of await filesBelow(path.join(harness.directory, BLOCKS_FOLDER))) await fs.rm(file);
    await expectRejects(harness.store.get(put.cid), ContentNotFoundError, "CONTENT_NOT_FOUND");
  });

  it("garbage-collects only unshared blocks: a chunk shared by two objects survives removing one", async () => {
    const shared = payload(CHUNK_SIZE);
    const a = new Uint8Array([...shared, ...payload(CHUNK_SIZE)]);
    const b = new Uint8Array([...shared, ...payload(10)]);
    const putA = await harness.store.put(a);
    const putB = await harness.store.put(b);
    expect(await filesBelow(path.join(harness.directory, BLOCKS_FOLDER))).to.have.length(5); // 3 leaves + 2 roots
    expect(await harness.store.remove(putA.cid)).to.equal(true);
    expect(await filesBelow(path.join(harness.directory, BLOCKS_FOLDER))).to.have.length(3);
    expect(await harness.store.get(putB.cid, { expectedContentHash: putB.contentHash })).to.deep.equal(b);
    expect(await harness.store.remove(putB.cid)).to.equal(true);
    expect(await filesBelow(path.join(harness.directory, BLOCKS_FOLDER))).to.have.length(0);
  });

  it("remove of a block that is only part of another object removes nothing", async () => {
    const bytes = payload(2 * CHUNK_SIZE);
    const put = await harness.store.put(bytes);
    const leaf = await handBuiltCid(bytes.subarray(0, CHUNK_SIZE));
    expect(await harness.store.remove(leaf)).to.equal(false);
    expect(await harness.store.get(put.cid, { expectedContentHash: put.contentHash })).to.deep.equal(bytes);
  });

  it("an object equal to a chunk of another object gets its own pin and outlives it", async () => {
    const chunk = payload(CHUNK_SIZE);
    const big = await harness.store.put(new Uint8Array([...chunk, ...payload(CHUNK_SIZE)]));
    const small = await harness.store.put(chunk);
    expect(await harness.store.remove(big.cid)).to.equal(true);
    expect(await harness.store.get(small.cid, { expectedContentHash: small.contentHash })).to.deep.equal(chunk);
    await expectRejects(harness.store.get(big.cid), ContentNotFoundError, "CONTENT_NOT_FOUND");
  });

  it("serves the same object to concurrent puts and gets", async () => {
    const bytes = payload(CHUNK_SIZE + 3);
    const puts = await Promise.all([harness.store.put(bytes), harness.store.put(bytes), harness.store.put(bytes)]);
    expect(new Set(puts.map((p) => p.cid)).size).to.equal(1);
    const gets = await Promise.all(puts.map((p) => harness.store.get(p.cid)));
    for (const got of gets) expect(got).to.deep.equal(bytes);
  });

  it("refuses a UnixFS directory root with UnsupportedCidError", async () => {
    // An empty UnixFS directory: dag-pb node with Data = {Type: Directory}.
    const { loadEsm } = await import("../../../sdk/storage");
    const [dagPb, { UnixFS }, { CID }, Digest] = await Promise.all([
      loadEsm("@ipld/dag-pb"),
      loadEsm("ipfs-unixfs"),
      loadEsm("multiformats/cid"),
      loadEsm("multiformats/hashes/digest"),
    ]);
    const block = dagPb.encode({ Data: new UnixFS({ type: "directory" }).marshal(), Links: [] });
    const { createHash } = await import("node:crypto");
    const cid = CID.createV1(0x70, Digest.create(0x12, createHash("sha256").update(block).digest()));
    // Write the block straight into the blockstore folder through a second handle on the same folder.
    await harness.store.close();
    const { FsBlockstore } = await loadEsm("blockstore-fs");
    const blockstore = new FsBlockstore(path.join(harness.directory, BLOCKS_FOLDER));
    await blockstore.open();
    await blockstore.put(cid, block);
    await blockstore.close();
    const store = await harness.reopen();
    await expectRejects(store.get(cid.toString()), UnsupportedCidError, "UNSUPPORTED_CID");
  });

  it("needs a directory", async () => {
    await expectRejects(HeliaContentStore.open({ directory: "" }), InvalidArgumentError, "INVALID_ARGUMENT");
  });
});
