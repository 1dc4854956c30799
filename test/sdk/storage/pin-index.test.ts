import { expect } from "chai";
import fc from "fast-check";
import fs from "node:fs/promises";
import path from "node:path";
import type { CID } from "multiformats/cid";
import {
  BLOCKS_FOLDER,
  CHUNK_SIZE,
  ContentIntegrityError,
  ContentNotFoundError,
  DAG_PB_CODEC,
  HeliaContentStore,
  RAW_CODEC,
  SHA2_256_CODE,
  loadEsm,
  objectBlocks,
} from "../../../sdk/storage";
import { decodePinRecord, encodePinRecord } from "../../../sdk/storage/pin-record";
import { PENDING_FOLDER, PINS_FOLDER, PinIndex } from "../../../sdk/storage/pin-index";
import { expectRejects, filesBelow, makeTempDir, payload } from "./support/helpers";
import { legacyPins, writeLegacyStore } from "./support/legacy-helia-store";

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const blockFiles = (dir: string) => filesBelow(path.join(dir, BLOCKS_FOLDER));
const pinsDir = (dir: string) => path.join(dir, PINS_FOLDER);
const pendingDir = (dir: string) => path.join(dir, PINS_FOLDER, PENDING_FOLDER);
const mhKey = (cid: CID) => Buffer.from(cid.multihash.bytes).toString("hex");

/** The distinct block multihashes of the given objects' DAGs, computed from their blocks. */
async function expectedBlocks(objects: Iterable<Uint8Array>): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const bytes of objects) for (const block of (await objectBlocks(bytes)).blocks) keys.add(mhKey(block.cid));
  return keys;
}

async function writeRawBlocks(dir: string, bytes: Uint8Array): Promise<void> {
  const { FsBlockstore } = await loadEsm("blockstore-fs");
  const blockstore = new FsBlockstore(path.join(dir, BLOCKS_FOLDER));
  await blockstore.open();
  for (const block of (await objectBlocks(bytes)).blocks) await blockstore.put(block.cid, block.bytes);
  await blockstore.close();
}

describe("sdk/storage pin records (codec)", () => {
  let CidClass: typeof import("multiformats/cid").CID;
  let Digest: typeof import("multiformats/hashes/digest");
  before(async () => {
    ({ CID: CidClass } = await loadEsm("multiformats/cid"));
    Digest = await loadEsm("multiformats/hashes/digest");
  });
  const cidArb = () =>
    fc
      .record({ codec: fc.constantFrom(RAW_CODEC, DAG_PB_CODEC), digest: fc.uint8Array({ minLength: 32, maxLength: 32 }) })
      .map(({ codec, digest }) => CidClass.createV1(codec, Digest.create(SHA2_256_CODE, digest)));
  // Blocks drawn from a small set of digests, so repeats (and the root among the blocks) are frequent.
  const recordArb = () =>
    fc.array(cidArb(), { minLength: 1, maxLength: 6 }).chain((pool) =>
      fc.record({ root: fc.constantFrom(...pool), blocks: fc.array(fc.constantFrom(...pool), { maxLength: 12 }) }),
    );

  it("property: decodes to the root and each block once, root first, in first-seen order", async () => {
    await fc.assert(
      fc.asyncProperty(recordArb(), async ({ root, blocks }) => {
        const expected: string[] = [];
        const seen = new Set<string>();
        for (const cid of [root, ...blocks]) {
          if (seen.has(mhKey(cid))) continue;
          seen.add(mhKey(cid));
          expected.push(cid.toString());
        }
        const decoded = await decodePinRecord(encodePinRecord(root, blocks), "test");
        expect(decoded.root.toString()).to.equal(root.toString());
        expect(decoded.blocks.map((cid) => cid.toString())).to.deep.equal(expected);
      }),
      { numRuns: 200 },
    );
  });

  it("property: every truncation and any trailing byte is refused", async () => {
    await fc.assert(
      fc.asyncProperty(recordArb(), fc.nat(), fc.integer({ min: 0, max: 255 }), async ({ root, blocks }, cut, extra) => {
        const bytes = encodePinRecord(root, blocks);
        await expectRejects(decodePinRecord(bytes.subarray(0, cut % bytes.length), "test"), ContentIntegrityError, "CONTENT_INTEGRITY_FAILED");
        await expectRejects(decodePinRecord(concat(bytes, Uint8Array.of(extra)), "test"), ContentIntegrityError, "CONTENT_INTEGRITY_FAILED");
      }),
      { numRuns: 100 },
    );
  });

  it("refuses an unknown version, an empty list, a repeated block and a CID medrec never writes", async () => {
    const root = CidClass.createV1(RAW_CODEC, Digest.create(SHA2_256_CODE, new Uint8Array(32).fill(7)));
    const good = encodePinRecord(root, []);
    const bad = [
      concat(Uint8Array.of(2), good.subarray(1)),
      Uint8Array.of(1, 0, 0, 0, 0),
      concat(Uint8Array.of(1, 0, 0, 0, 2), root.bytes, root.bytes),
      concat(Uint8Array.of(1, 0, 0, 0, 1), CidClass.createV1(0x71, Digest.create(SHA2_256_CODE, new Uint8Array(32))).bytes),
    ];
    for (const bytes of bad) await expectRejects(decodePinRecord(bytes, "test"), ContentIntegrityError, "CONTENT_INTEGRITY_FAILED");
  });
});

describe("sdk/storage HeliaContentStore pins (medrec's own)", function () {
  this.timeout(60_000);
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let store: HeliaContentStore | undefined;
  const open = async () => (store = await HeliaContentStore.open({ directory: temp.dir }));
  const close = async () => {
    await store?.close();
    store = undefined;
  };
  beforeEach(async () => {
    temp = await makeTempDir("pins");
  });
  afterEach(async () => {
    await close();
    await temp.remove();
  });

  it("put writes one pin file per object (a root put twice is one), and no intent is left", async () => {
    const s = await open();
    const big = await s.put(payload(3 * CHUNK_SIZE));
    await s.put(payload(10));
    await s.put(Uint8Array.from(await s.get(big.cid))); // the same object again: still one pin
    const pins = (await fs.readdir(pinsDir(temp.dir))).filter((name) => name.endsWith(".pin"));
    expect(pins).to.have.length(2);
    expect(pins).to.include(`${big.cid}.pin`);
    expect(await fs.readdir(pendingDir(temp.dir))).to.deep.equal([]);
  });

  it("a crashed put (blocks and intent, no pin) is collected on open, sparing the blocks other objects use", async () => {
    const chunk = payload(CHUNK_SIZE);
    const kept = concat(chunk, payload(CHUNK_SIZE));
    const crashed = concat(chunk, payload(5));
    const s = await open();
    const keptPut = await s.put(kept);
    await close();
    await writeRawBlocks(temp.dir, crashed);
    const { root, blocks } = await objectBlocks(crashed);
    await fs.writeFile(path.join(pendingDir(temp.dir), `${root}.pin`), encodePinRecord(root, blocks.map((b) => b.cid)));
    await fs.writeFile(path.join(pendingDir(temp.dir), "0123.tmp"), "half a pin"); // a write cut before its rename
    expect(await blockFiles(temp.dir)).to.have.length(5);
    const reopened = await open();
    expect(await blockFiles(temp.dir)).to.have.length(3);
    expect(await fs.readdir(pendingDir(temp.dir))).to.deep.equal([]);
    expect(await reopened.get(keptPut.cid, { expectedContentHash: keptPut.contentHash })).to.deep.equal(kept);
    await expectRejects(reopened.get(root.toString()), ContentNotFoundError, "CONTENT_NOT_FOUND");
  });

  it("a remove cut after its pin went is finished on open; one cut before it leaves the object", async () => {
    const chunk = payload(CHUNK_SIZE);
    const a = concat(chunk, payload(CHUNK_SIZE));
    const b = concat(chunk, payload(7));
    const s = await open();
    const putA = await s.put(a);
    const putB = await s.put(b);
    await close();
    // Before the commit: the intent is written, the pin is still there.
    await fs.copyFile(path.join(pinsDir(temp.dir), `${putA.cid}.pin`), path.join(pendingDir(temp.dir), `${putA.cid}.pin`));
    let reopened = await open();
    expect(await reopened.get(putA.cid, { expectedContentHash: putA.contentHash })).to.deep.equal(a);
    expect(await fs.readdir(pendingDir(temp.dir))).to.deep.equal([]);
    await close();
    // After the commit: the pin is gone, the intent names its blocks.
    await fs.rename(path.join(pinsDir(temp.dir), `${putB.cid}.pin`), path.join(pendingDir(temp.dir), `${putB.cid}.pin`));
    reopened = await open();
    expect(await blockFiles(temp.dir)).to.have.length(3); // a's two leaves and root
    expect(await reopened.get(putA.cid, { expectedContentHash: putA.contentHash })).to.deep.equal(a);
    await expectRejects(reopened.get(putB.cid), ContentNotFoundError, "CONTENT_NOT_FOUND");
  });

  it("a put whose block writes fail deletes what it wrote and leaves no pin and no intent", async () => {
    const { FsBlockstore } = await loadEsm("blockstore-fs");
    const blockstore = new FsBlockstore(path.join(temp.dir, BLOCKS_FOLDER));
    await blockstore.open();
    const index = await PinIndex.open(temp.dir, blockstore);
    const { root, blocks } = await objectBlocks(payload(2 * CHUNK_SIZE));
    const failing = async () => {
      await blockstore.put(blocks[0].cid, blocks[0].bytes);
      throw new Error("disk full");
    };
    let thrown: unknown;
    await index.pin(root, blocks.map((b) => b.cid), failing).catch((err: unknown) => (thrown = err));
    expect((thrown as Error)?.message).to.equal("disk full");
    expect(await index.has(root)).to.equal(false);
    expect(await blockFiles(temp.dir)).to.have.length(0);
    expect(await fs.readdir(pendingDir(temp.dir))).to.deep.equal([]);
    await blockstore.close();
  });

  it("a pin file that does not decode stops removals before any block is deleted", async () => {
    const s = await open();
    const a = await s.put(payload(2 * CHUNK_SIZE));
    const b = await s.put(payload(3));
    await fs.writeFile(path.join(pinsDir(temp.dir), `${b.cid}.pin`), Uint8Array.of(1, 0, 0, 0, 1, 1));
    await close();
    const reopened = await open();
    await expectRejects(reopened.remove(a.cid), ContentIntegrityError, "CONTENT_INTEGRITY_FAILED");
    expect(await blockFiles(temp.dir)).to.have.length(4);
  });

  it("migrates a store pinned by Helia once: every object kept, Helia's pins dropped, sharing respected", async () => {
    const chunk = payload(CHUNK_SIZE);
    const a = concat(chunk, payload(CHUNK_SIZE));
    const b = concat(chunk, payload(11));
    const leftover = payload(2 * CHUNK_SIZE + 1);
    const objects = [a, b, chunk, payload(100), a];
    const roots = await writeLegacyStore(temp.dir, objects, [leftover]);
    expect(await legacyPins(temp.dir)).to.have.length(4);
    const s = await open();
    expect(await legacyPins(temp.dir)).to.deep.equal([]);
    for (const [i, bytes] of objects.entries()) expect(await s.get(roots[i])).to.deep.equal(bytes);
    expect((await fs.readdir(pinsDir(temp.dir))).filter((name) => name.endsWith(".pin"))).to.have.length(4);
    // The unpinned leftover of the old code is collected by removing it; the pinned objects keep their blocks.
    const leftoverRoot = (await objectBlocks(leftover)).root.toString();
    expect(await s.remove(leftoverRoot)).to.equal(true);
    expect(await s.remove(roots[0])).to.equal(true);
    expect(await s.get(roots[1])).to.deep.equal(b);
    expect(await s.get(roots[2])).to.deep.equal(chunk);
    expect((await blockFiles(temp.dir)).length).to.equal((await expectedBlocks([b, chunk, objects[3]])).size);
    await close();
    // Helia pins that came back (a migration cut before dropping them) are dropped again without a second object.
    await writeLegacyStore(temp.dir, [b]);
    const again = await open();
    expect(await legacyPins(temp.dir)).to.deep.equal([]);
    expect(await again.remove(roots[1])).to.equal(true);
    expect(await again.remove(roots[1])).to.equal(false);
    expect(await again.get(roots[2])).to.deep.equal(chunk);
  });

  it("model: after any sequence of puts, removes and reopens, the blocks on disk are exactly the live objects'", async () => {
    const chunkA = payload(CHUNK_SIZE);
    const chunkB = payload(CHUNK_SIZE);
    const small = payload(33);
    // Shared chunks, an object equal to a chunk of others, repeated leaves, identical objects, a tiny one.
    const pool = [chunkA, concat(chunkA, chunkB), concat(chunkB, chunkA), concat(chunkA, chunkA, small), concat(chunkB, small), small, concat(chunkA, chunkB)];
    const cids = await Promise.all(pool.map(async (bytes) => (await objectBlocks(bytes)).root.toString()));
    const op = fc.oneof(
      fc.record({ kind: fc.constant("put" as const), i: fc.nat(pool.length - 1) }),
      fc.record({ kind: fc.constant("remove" as const), i: fc.nat(pool.length - 1) }),
      fc.record({ kind: fc.constant("reopen" as const), i: fc.constant(0) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 10 }), async (ops) => {
        await close();
        await fs.rm(temp.dir, { recursive: true, force: true });
        let s = await open();
        const live = new Map<string, Uint8Array>();
        for (const { kind, i } of ops) {
          if (kind === "put") {
            expect((await s.put(pool[i])).cid).to.equal(cids[i]);
            live.set(cids[i], pool[i]);
          } else if (kind === "remove") {
            expect(await s.remove(cids[i])).to.equal(live.has(cids[i]));
            live.delete(cids[i]);
          } else {
            await close();
            s = await open();
          }
          const files = await blockFiles(temp.dir);
          expect(files.length).to.equal((await expectedBlocks(live.values())).size);
        }
        for (const [cid, bytes] of live) expect(Buffer.compare(Buffer.from(await s.get(cid)), Buffer.from(bytes))).to.equal(0);
        expect((await fs.readdir(pinsDir(temp.dir))).filter((name) => name.endsWith(".pin")).sort()).to.deep.equal([...live.keys()].map((c) => `${c}.pin`).sort());
      }),
      {
        numRuns: 40,
        // A put after the counts were loaded (by a remove), then a remove of an object sharing its chunk.
        examples: [[[{ kind: "put", i: 5 }, { kind: "remove", i: 5 }, { kind: "put", i: 1 }, { kind: "put", i: 0 }, { kind: "remove", i: 0 }]]],
      },
    );
  });
});
