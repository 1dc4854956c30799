import { expect } from "chai";
import {
  CHUNK_SIZE,
  ContentIntegrityError,
  MIN_PIECE_PAYLOAD,
  PADDING_PREFIX,
  collectVerifiedBlocks,
  decodeCar,
  encodeCar,
  importFile,
  loadEsm,
  readVerifiedFile,
} from "../../../sdk/storage";
import { expectRejects, payload } from "./support/helpers";

/** Imports `bytes` into a fresh in-memory blockstore; returns the root and its verified blocks. */
async function dagOf(bytes: Uint8Array) {
  const { MemoryBlockstore } = await loadEsm("blockstore-core");
  const blockstore = new MemoryBlockstore();
  const root = await importFile({ blockstore }, bytes);
  const blocks = await collectVerifiedBlocks(root, async (cid) => {
    if (!(await blockstore.has(cid))) return undefined;
    const chunks: Uint8Array[] = [];
    for await (const chunk of blockstore.get(cid)) chunks.push(chunk);
    return new Uint8Array(Buffer.concat(chunks));
  });
  return { root, blocks };
}

describe("sdk/storage CAR packing", () => {
  it("packs a DAG root-first and reads it back block by block", async () => {
    const bytes = payload(2 * CHUNK_SIZE + 3);
    const { root, blocks } = await dagOf(bytes);
    expect(blocks.map((b) => b.cid.toString())[0]).to.equal(root.toString());
    expect(blocks).to.have.length(4);
    const car = await encodeCar(root, blocks);
    const index = await decodeCar(car, root);
    expect(index.size).to.equal(4);
    const back = await readVerifiedFile(root, async (cid) => index.get(cid.toString()));
    expect(Buffer.compare(Buffer.from(back), Buffer.from(bytes))).to.equal(0);
  });

  it("pads a CAR below the minimum piece size with one extra raw block outside the DAG", async () => {
    const { root, blocks } = await dagOf(new Uint8Array(0));
    const car = await encodeCar(root, blocks);
    expect(car.length).to.be.at.least(MIN_PIECE_PAYLOAD).and.to.be.below(MIN_PIECE_PAYLOAD + 40);
    const index = await decodeCar(car, root);
    expect(index.size).to.equal(2);
    const padding = [...index.entries()].find(([cid]) => cid !== root.toString())![1];
    expect(Buffer.from(padding.subarray(0, PADDING_PREFIX.length))).to.deep.equal(Buffer.from(PADDING_PREFIX));
    expect(await readVerifiedFile(root, async (cid) => index.get(cid.toString()))).to.deep.equal(new Uint8Array(0));
    // Large enough CARs are not padded.
    const big = await dagOf(payload(200));
    const bigCar = await encodeCar(big.root, big.blocks);
    expect((await decodeCar(bigCar, big.root)).size).to.equal(1);
  });

  it("refuses bytes that are not a CAR, a CAR of another root, and a CAR without its root block", async () => {
    const a = await dagOf(payload(300));
    const b = await dagOf(payload(300));
    await expectRejects(decodeCar(payload(200), a.root), ContentIntegrityError, "CONTENT_INTEGRITY_FAILED");
    const carB = await encodeCar(b.root, b.blocks);
    const err = await expectRejects(decodeCar(carB, a.root), ContentIntegrityError, "CONTENT_INTEGRITY_FAILED");
    expect(err.message).to.contain(`CAR root is ${b.root.toString()}`);
    const rootless = await encodeCar(a.root, b.blocks);
    await expectRejects(decodeCar(rootless, a.root), ContentIntegrityError, "CONTENT_INTEGRITY_FAILED");
  });

  it("a CAR block with swapped bytes fails verification when the DAG is read", async () => {
    const { root, blocks } = await dagOf(payload(2 * CHUNK_SIZE));
    const forged = blocks.map((block, i) => (i === 1 ? { cid: block.cid, bytes: blocks[2].bytes } : block));
    const index = await decodeCar(await encodeCar(root, forged), root);
    await expectRejects(
      readVerifiedFile(root, async (cid) => index.get(cid.toString())),
      ContentIntegrityError,
      "CONTENT_INTEGRITY_FAILED",
    );
  });
});
