// FilecoinPinStore through filecoin-pin's real library functions, against the Synapse SDK's msw chain mocks and an
// in-process storage-provider stand-in. Nothing leaves 127.0.0.1.
import { expect } from "chai";
import fs from "node:fs/promises";
import path from "node:path";
import {
  CHUNK_SIZE,
  ContentIntegrityError,
  FILECOIN_PIN_ENV,
  FilecoinPinStore,
  FilecoinUploadError,
  HeliaContentStore,
  MIN_PIECE_PAYLOAD,
  PIECE_INDEX_FILE,
  PieceIndex,
  StorageConfigError,
  collectVerifiedBlocks,
  decodeCar,
  encodeCar,
  importFile,
  loadEsm,
  parseCid,
  type FilecoinGetOptions,
  type FilecoinPinConfig,
} from "../../../sdk/storage";
import { describeContentStore, type ContentStoreHarness } from "./support/content-store-contract";
import { FakeStorageProvider } from "./support/fake-storage-provider";
import { expectRejects, makeTempDir, payload } from "./support/helpers";
import { startSynapseMocks, type SynapseMockNetwork } from "./support/synapse-mocks";

let provider: FakeStorageProvider;
let chain: SynapseMockNetwork;
const restoreConsole: Array<() => void> = [];

/** A config for the mocked calibration network: mock wallet, provider 1, a fresh index folder. */
function configFor(indexDirectory: string): FilecoinPinConfig {
  return { privateKey: chain.privateKey, rpcUrl: chain.rpcUrl, indexDirectory, providerId: 1 };
}

/** A fresh FilecoinPinStore with its own index folder; `tamper` corrupts the piece at the provider. */
async function filecoinHarness(): Promise<ContentStoreHarness & { readonly indexDirectory: string }> {
  const temp = await makeTempDir("filecoin-pin");
  let store = await FilecoinPinStore.open({ config: configFor(temp.dir) });
  return {
    indexDirectory: temp.dir,
    get store() {
      return store;
    },
    async tamper(cid: string) {
      const entry = (await PieceIndex.open(temp.dir)).get(cid);
      if (entry === undefined) throw new Error(`no piece recorded for ${cid}`);
      provider.tamper(entry.pieceCid);
    },
    async reopen() {
      await store.close();
      store = await FilecoinPinStore.open({ config: configFor(temp.dir) });
      return store;
    },
    async cleanup() {
      await store.close();
      await temp.remove();
    },
  };
}

describe("sdk/storage FilecoinPinStore (filecoin-pin against mocked Filecoin)", function () {
  before(async function () {
    this.timeout(30_000);
    provider = await FakeStorageProvider.start();
    chain = await startSynapseMocks(provider.url);
    // The Synapse SDK narrates retrieval on the console ("Falling back to direct retrieval", provider warnings).
    for (const method of ["log", "debug", "warn"] as const) {
      const original = console[method];
      console[method] = () => undefined;
      restoreConsole.push(() => {
        console[method] = original;
      });
    }
  });

  after(async () => {
    for (const restore of restoreConsole.splice(0)) restore();
    chain?.close();
    await provider?.stop();
  });

  describeContentStore("FilecoinPinStore (filecoin-pin → msw chain mocks + stand-in provider)", filecoinHarness, {
    propertyRuns: 4,
  });

  describe("sdk/storage FilecoinPinStore", function () {
    this.timeout(30_000);
    let harness: Awaited<ReturnType<typeof filecoinHarness>>;
    beforeEach(async () => {
      chain.state.filBalance = 100n * 10n ** 18n;
      harness = await filecoinHarness();
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it("uploads one CAR per object as a piece, added to data set 1 with a piece id", async () => {
      const store = harness.store as FilecoinPinStore;
      expect(store.network).to.equal("calibration");
      const bytes = payload(2 * CHUNK_SIZE + 99);
      const uploadsBefore = provider.stats.uploads;
      const put = await store.put(bytes);
      expect(provider.stats.uploads).to.equal(uploadsBefore + 1);
      expect(put.pieceCid).to.match(/^bafkzcib/); // CommPv2
      expect(put.dataSetId).to.equal("1");
      expect(put.pieceId).to.be.a("number");
      expect(put.carSize).to.be.greaterThan(bytes.length);
      expect(provider.has(put.pieceCid)).to.equal(true);
      // The readiness check ran (balances) before the upload.
      expect(chain.calls).to.include("eth_getBalance");
    });

    it("stores the same UnixFS DAG as the embedded store: same CID for the same bytes", async () => {
      const temp = await makeTempDir("helia-vs-filecoin");
      const helia = await HeliaContentStore.open({ directory: temp.dir });
      try {
        for (const size of [0, 1, 1_000, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE]) {
          const bytes = payload(size);
          const [a, b] = [await helia.put(bytes), await harness.store.put(bytes)];
          expect(b.cid, `size ${size}`).to.equal(a.cid);
          expect(b.cidBytes).to.deep.equal(a.cidBytes);
        }
      } finally {
        await helia.close();
        await temp.remove();
      }
    });

    it("pads a tiny object's CAR to the provider's minimum piece size, and the padding is not part of the object", async () => {
      const put = await (harness.store as FilecoinPinStore).put(new Uint8Array(0));
      expect(put.carSize).to.be.at.least(MIN_PIECE_PAYLOAD);
      expect(await harness.store.get(put.cid)).to.deep.equal(new Uint8Array(0));
    });

    it("does not upload again for bytes it already holds", async () => {
      const bytes = payload(4_000);
      const first = await (harness.store as FilecoinPinStore).put(bytes);
      const uploads = provider.stats.uploads;
      const second = await (harness.store as FilecoinPinStore).put(bytes);
      expect(provider.stats.uploads).to.equal(uploads);
      expect(second.pieceCid).to.equal(first.pieceCid);
    });

    it("retrieves by piece CID and checks the CAR's root: a valid piece of another object is refused", async () => {
      const store = harness.store as FilecoinPinStore;
      const a = await store.put(payload(500));
      const b = await store.put(payload(600));
      const err = await expectRejects(store.get(a.cid, { pieceCid: b.pieceCid }), ContentIntegrityError, "CONTENT_INTEGRITY_FAILED");
      expect(err.message).to.contain("CAR root is");
    });

    it("re-hashes every block of a downloaded CAR: a forged CAR under a valid piece CID names the bad block", async () => {
      const { MemoryBlockstore } = await loadEsm("blockstore-core");
      const blockstore = new MemoryBlockstore();
      const bytes = payload(2 * CHUNK_SIZE);
      const root = await importFile({ blockstore }, bytes);
      const blocks = await collectVerifiedBlocks(root, async (cid) => {
        const chunks: Uint8Array[] = [];
        for await (const chunk of blockstore.get(cid)) chunks.push(chunk);
        return new Uint8Array(Buffer.concat(chunks));
      });
      // Same root, but the first leaf's bytes swapped for the second's: the CAR is well-formed, its piece CID is
      // the piece CID of exactly these bytes, so only block verification can catch it.
      const forged = blocks.map((block, i) => (i === 1 ? { cid: block.cid, bytes: blocks[2].bytes } : block));
      const pieceCid = await provider.seed(await encodeCar(root, forged));
      const err = (await expectRejects(
        harness.store.get(root.toString(), { pieceCid } as FilecoinGetOptions),
        ContentIntegrityError,
        "CONTENT_INTEGRITY_FAILED",
      )) as ContentIntegrityError;
      expect(err.cid).to.equal(blocks[1].cid.toString());
      expect(err.reason).to.contain("do not hash");
    });

    it("reads objects stored by another host when given their piece CID", async () => {
      const bytes = payload(3_000);
      const put = await (harness.store as FilecoinPinStore).put(bytes);
      const other = await makeTempDir("filecoin-pin-other");
      const reader = await FilecoinPinStore.open({ config: configFor(other.dir) });
      try {
        expect(await reader.get(put.cid, { pieceCid: put.pieceCid, expectedContentHash: put.contentHash })).to.deep.equal(bytes);
      } finally {
        await reader.close();
        await other.remove();
      }
    });

    it("serves a CAR whose blocks all verify: the piece at the provider decodes to the object's DAG", async () => {
      const bytes = payload(CHUNK_SIZE + 10);
      const put = await (harness.store as FilecoinPinStore).put(bytes);
      const response = await fetch(`${provider.url}/piece/${put.pieceCid}`);
      const car = new Uint8Array(await response.arrayBuffer());
      expect(car.length).to.equal(put.carSize);
      const blocks = await decodeCar(car, await parseCid(put.cid));
      expect(blocks.size).to.equal(3); // dag-pb root + 2 raw leaves
    });

    it("remove deletes the piece at the provider, also from a reopened store (another storage context)", async () => {
      const first = await (harness.store as FilecoinPinStore).put(payload(900));
      const second = await (harness.store as FilecoinPinStore).put(payload(901));
      expect(await harness.store.remove(first.cid)).to.equal(true);
      expect(provider.has(first.pieceCid)).to.equal(false);
      const reopened = await harness.reopen();
      expect(await reopened.remove(second.cidBytes)).to.equal(true);
      expect(provider.has(second.pieceCid)).to.equal(false);
    });

    it("keeps only CIDs, piece CIDs, sizes and hashes in the index file", async () => {
      const put = await (harness.store as FilecoinPinStore).put(payload(1_234));
      const text = await fs.readFile(path.join(harness.indexDirectory, PIECE_INDEX_FILE), "utf8");
      const index = JSON.parse(text) as { version: number; entries: Record<string, Record<string, unknown>> };
      expect(index.version).to.equal(1);
      expect(Object.keys(index.entries)).to.deep.equal([put.cid]);
      expect(Object.keys(index.entries[put.cid]).sort()).to.deep.equal(
        ["carSize", "contentHash", "dataSetId", "pieceCid", "pieceId", "size"].sort(),
      );
    });

    it("refuses to upload when checkUploadReadiness blocks (no FIL for gas), with the library's reason", async () => {
      chain.state.filBalance = 0n;
      const err = (await expectRejects(
        harness.store.put(payload(1_000)),
        FilecoinUploadError,
        "FILECOIN_UPLOAD_FAILED",
      )) as FilecoinUploadError;
      expect(err.message).to.contain("Insufficient FIL");
    });

    it("opens from FILECOIN_PIN_* environment variables", async () => {
      const env = {
        [FILECOIN_PIN_ENV.privateKey]: chain.privateKey,
        [FILECOIN_PIN_ENV.rpcUrl]: chain.rpcUrl,
        [FILECOIN_PIN_ENV.indexDirectory]: harness.indexDirectory,
        [FILECOIN_PIN_ENV.providerId]: "1",
      };
      const store = await FilecoinPinStore.fromEnv(env);
      try {
        const bytes = payload(321);
        const put = await store.put(bytes);
        expect(await store.get(put.cid)).to.deep.equal(bytes);
      } finally {
        await store.close();
      }
      await expectRejects(
        FilecoinPinStore.fromEnv({ ...env, [FILECOIN_PIN_ENV.privateKey]: "" }),
        StorageConfigError,
        "STORAGE_CONFIG_INVALID",
      );
    });
  });
});
