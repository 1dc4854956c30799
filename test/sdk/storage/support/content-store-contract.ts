// The ContentStore contract: one suite, run against every store (loaded by mocha too; defines no tests itself).
import { expect } from "chai";
import fc from "fast-check";
import {
  CHUNK_SIZE,
  ContentHashMismatchError,
  ContentIntegrityError,
  ContentNotFoundError,
  DAG_PB_CODEC,
  InvalidArgumentError,
  RAW_CODEC,
  StoreClosedError,
  UnsupportedCidError,
  parseCid,
  type ContentStore,
} from "../../../../sdk/storage";
import { expectRejects, handBuiltCid, payload, sha256Hex } from "./helpers";

/** One store under test, with the hooks the contract needs. */
export interface ContentStoreHarness {
  /** The open store. */
  readonly store: ContentStore;
  /** Corrupts the stored bytes of the object `cid` where the store keeps them (disk, provider). */
  tamper(cid: string): Promise<void>;
  /** Closes the store and opens a new one on the same persistent state; the harness then serves the new one. */
  reopen(): Promise<ContentStore>;
  /** Closes the store and deletes its temp folders. */
  cleanup(): Promise<void>;
}

/** Options of {@link describeContentStore}. */
export interface ContractOptions {
  /** fast-check runs of the round-trip property (default 8). */
  readonly propertyRuns?: number;
}

/** A CID nobody stored: the raw CID of fresh random bytes. */
async function unknownCid(): Promise<string> {
  return handBuiltCid(payload(64));
}

/**
 * Runs the ContentStore contract against the stores `factory` makes (a fresh store per test).
 * @param name Shown in the suite title.
 * @param factory Opens a fresh, empty store.
 */
export function describeContentStore(
  name: string,
  factory: () => Promise<ContentStoreHarness>,
  options: ContractOptions = {},
): void {
  describe(`ContentStore contract: ${name}`, function () {
    this.timeout(30_000);
    let harness: ContentStoreHarness;
    let store: ContentStore;

    beforeEach(async () => {
      harness = await factory();
      store = harness.store;
    });
    afterEach(async () => {
      await harness?.cleanup();
    });

    it("round-trips a small payload and returns CID (string + binary), size and SHA-256", async () => {
      const bytes = payload(1_000);
      const put = await store.put(bytes);
      expect(put.size).to.equal(1_000);
      expect(put.contentHash).to.equal(sha256Hex(bytes));
      expect(put.cid).to.match(/^bafk/);
      const fromBytes = await parseCid(put.cidBytes);
      expect(fromBytes.toString()).to.equal(put.cid);
      expect(put.cidBytes.length).to.equal(36);
      expect(await store.get(put.cid)).to.deep.equal(bytes);
      expect(await store.get(put.cidBytes, { expectedContentHash: put.contentHash })).to.deep.equal(bytes);
    });

    it("round-trips an empty payload", async () => {
      const put = await store.put(new Uint8Array(0));
      expect(put.size).to.equal(0);
      expect(put.contentHash).to.equal(sha256Hex(new Uint8Array(0)));
      expect(await store.get(put.cid, { expectedContentHash: put.contentHash })).to.deep.equal(new Uint8Array(0));
    });

    it("round-trips a multi-chunk 3 MiB payload", async () => {
      const bytes = payload(3 * CHUNK_SIZE + 12_345);
      const put = await store.put(bytes);
      expect(put.size).to.equal(bytes.length);
      const back = await store.get(put.cid, { expectedContentHash: put.contentHash });
      expect(Buffer.compare(Buffer.from(back), Buffer.from(bytes))).to.equal(0);
    });

    it("gives CIDv1 with raw leaves and 1 MiB chunks (equal to a hand-built UnixFS DAG)", async () => {
      const small = payload(CHUNK_SIZE);
      const large = payload(2 * CHUNK_SIZE + 1);
      const smallPut = await store.put(small);
      const largePut = await store.put(large);
      const smallCid = await parseCid(smallPut.cid);
      const largeCid = await parseCid(largePut.cid);
      expect([smallCid.version, smallCid.code]).to.deep.equal([1, RAW_CODEC]);
      expect([largeCid.version, largeCid.code]).to.deep.equal([1, DAG_PB_CODEC]);
      expect(smallPut.cid).to.equal(await handBuiltCid(small));
      expect(largePut.cid).to.equal(await handBuiltCid(large));
    });

    it("gives the same bytes the same CID", async () => {
      const bytes = payload(5_000);
      const first = await store.put(bytes);
      const second = await store.put(Uint8Array.from(bytes));
      expect(second.cid).to.equal(first.cid);
      expect(second.cidBytes).to.deep.equal(first.cidBytes);
      expect(await store.get(first.cid)).to.deep.equal(bytes);
    });

    it("throws ContentNotFoundError for a CID it never stored", async () => {
      const err = await expectRejects(store.get(await unknownCid()), ContentNotFoundError, "CONTENT_NOT_FOUND");
      expect(err.message).to.match(/^no content stored under bafk/);
    });

    it("removes: remove → true, then get → ContentNotFoundError, remove again → false", async () => {
      const put = await store.put(payload(2_000));
      expect(await store.remove(put.cid)).to.equal(true);
      await expectRejects(store.get(put.cid), ContentNotFoundError, "CONTENT_NOT_FOUND");
      expect(await store.remove(put.cid)).to.equal(false);
    });

    it("removes a multi-chunk object and keeps the others", async () => {
      const keep = payload(3_000);
      const keptPut = await store.put(keep);
      const gone = await store.put(payload(2 * CHUNK_SIZE + 7));
      expect(await store.remove(gone.cidBytes)).to.equal(true);
      await expectRejects(store.get(gone.cid), ContentNotFoundError, "CONTENT_NOT_FOUND");
      expect(await store.get(keptPut.cid)).to.deep.equal(keep);
    });

    it("refuses tampered bytes with ContentIntegrityError", async () => {
      const put = await store.put(payload(4_096));
      await harness.tamper(put.cid);
      await expectRejects(store.get(put.cid), ContentIntegrityError, "CONTENT_INTEGRITY_FAILED");
    });

    it("refuses a tampered multi-chunk object with ContentIntegrityError", async () => {
      const put = await store.put(payload(3 * CHUNK_SIZE));
      await harness.tamper(put.cid);
      await expectRejects(store.get(put.cid), ContentIntegrityError, "CONTENT_INTEGRITY_FAILED");
    });

    it("checks the on-chain SHA-256: ContentHashMismatchError on a different hash", async () => {
      const bytes = payload(777);
      const put = await store.put(bytes);
      const other = sha256Hex(payload(777));
      const err = await expectRejects(
        store.get(put.cid, { expectedContentHash: other }),
        ContentHashMismatchError,
        "CONTENT_HASH_MISMATCH",
      );
      expect(err.message).to.contain(other).and.to.contain(put.contentHash);
      // Upper-case hex of the right hash passes.
      const upper = `0x${put.contentHash.slice(2).toUpperCase()}`;
      expect(await store.get(put.cid, { expectedContentHash: upper })).to.deep.equal(bytes);
    });

    it("rejects malformed input with InvalidArgumentError and foreign CIDs with UnsupportedCidError", async () => {
      await expectRejects(store.get("not-a-cid"), InvalidArgumentError, "INVALID_ARGUMENT");
      await expectRejects(store.get(new Uint8Array([1, 2, 3])), InvalidArgumentError, "INVALID_ARGUMENT");
      const put = await store.put(payload(10));
      await expectRejects(store.get(put.cid, { expectedContentHash: "0x1234" }), InvalidArgumentError, "INVALID_ARGUMENT");
      // CIDv0 (dag-pb, base58) and a dag-cbor CIDv1.
      await expectRejects(
        store.get("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"),
        UnsupportedCidError,
        "UNSUPPORTED_CID",
      );
      await expectRejects(
        store.get("bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"),
        UnsupportedCidError,
        "UNSUPPORTED_CID",
      );
      await expectRejects(store.put("bytes" as unknown as Uint8Array), InvalidArgumentError, "INVALID_ARGUMENT");
    });

    it("keeps objects across close and reopen", async () => {
      const small = payload(300);
      const large = payload(CHUNK_SIZE + 5);
      const smallPut = await store.put(small);
      const largePut = await store.put(large);
      store = await harness.reopen();
      expect(await store.get(smallPut.cid, { expectedContentHash: smallPut.contentHash })).to.deep.equal(small);
      expect(await store.get(largePut.cid, { expectedContentHash: largePut.contentHash })).to.deep.equal(large);
      expect(await store.remove(smallPut.cid)).to.equal(true);
      await expectRejects(store.get(smallPut.cid), ContentNotFoundError, "CONTENT_NOT_FOUND");
    });

    it("refuses use after close with StoreClosedError", async () => {
      await store.close();
      await store.close(); // idempotent
      await expectRejects(store.put(payload(1)), StoreClosedError, "STORE_CLOSED");
      await expectRejects(store.get(await unknownCid()), StoreClosedError, "STORE_CLOSED");
    });

    it("property: random payloads round-trip with their SHA-256", async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 2_048 }), async (bytes) => {
          const put = await store.put(bytes);
          expect(put.size).to.equal(bytes.length);
          expect(put.contentHash).to.equal(sha256Hex(bytes));
          expect(put.cid).to.equal(await handBuiltCid(bytes));
          expect(await store.get(put.cid, { expectedContentHash: put.contentHash })).to.deep.equal(
            Uint8Array.from(bytes),
          );
        }),
        { numRuns: options.propertyRuns ?? 8 },
      );
    });
  });
}
