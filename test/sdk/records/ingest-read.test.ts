import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { deployCore } from "../../helpers/fixture";
import { expectRejects } from "../../helpers/rejects";
import { generatePatientBundles } from "../../fixtures/generate";
import { HeliaContentStore } from "../../../sdk/storage";
import { SEALED_RECORD_OVERHEAD, DecryptionError, generateEncryptionKeyPair, KeyUnwrapError, unwrapKey, wrapKey } from "../../../sdk/crypto";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { Bundle } from "@medplum/fhirtypes";
import { canonicalJson, canonicalize, exportRecords, parseFhirJson, splitBundle, FhirValidationError } from "../../../sdk/fhir";
import {
  localKeys,
  RecordVersionChangedError,
  type KeySource,
  memoryIngestIndex,
  forgetRecord,
  type IngestProgress,
  eoaRecordWriter,
  fileKeyStore,
  ingestBundles,
  ingestRecord,
  readRecord,
  recordsContext,
  writeRecord,
  prepareRecords,
  RecordKeyNotFoundError,
  RecordNotFoundError,
  RecordWriteError,
  type RecordsContext,
} from "../../../sdk/records";

/** Canonical bytes of each resource of a bundle, sorted: a multiset to compare bundles by content. */
function resourceSet(bundle: { entry?: { resource?: unknown }[] }): string[] {
  return (bundle.entry ?? []).map((entry) => Buffer.from(canonicalize(entry.resource)).toString("hex")).sort();
}

describe("sdk/records: ingest and read back through the chain and a real Helia store", function () {
  this.timeout(120_000);
  let dir: string;
  let store: HeliaContentStore;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "medrec-records-"));
    store = await HeliaContentStore.open({ directory: path.join(dir, "ipfs") });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function setup() {
    const core = await deployCore();
    const patientKeys = generateEncryptionKeyPair();
    const resolverKeys = generateEncryptionKeyPair();
    const context: RecordsContext = recordsContext({
      chainId: core.chainId,
      recordToken: await core.records.getAddress(),
      runner: ethers.provider,
      store,
      keys: fileKeyStore(await mkdtemp(path.join(dir, "keys-"))),
    });
    const options = {
      patient: core.signers.patient.address,
      recipients: [patientKeys.publicKey, resolverKeys.publicKey],
      writer: eoaRecordWriter(await core.records.getAddress(), core.signers.patient),
    };
    return { core, patientKeys, resolverKeys, context, options };
  }

  it("ingests a bundle as one token per record and reads every record back losslessly", async () => {
    const { core, patientKeys, context, options } = await loadFixture(setup);
    const [bundle] = generatePatientBundles({ seed: 7, patients: 1 });
    const written = await ingestRecord(context, bundle, options);
    const expected = splitBundle(bundle);
    expect(written.map((r) => r.kind)).to.deep.equal(expected.map((r) => r.kind));
    expect(new Set(written.map((r) => r.tokenId)).size).to.equal(written.length);
    // All of them in one mintBatch transaction, one RecordMinted per record.
    const minted = await core.records.queryFilter(core.records.filters.RecordMinted(undefined, options.patient), (await ethers.provider.getBlockNumber()) - 5);
    const ours = minted.filter((log) => written.some((r) => r.tokenId === log.args.tokenId));
    expect(ours.map((log) => log.args.tokenId)).to.deep.equal(written.map((r) => r.tokenId));
    expect(new Set(ours.map((log) => log.transactionHash)).size).to.equal(1);
    const readBack = [];
    for (const record of written) {
      const onChain = await core.records.recordOf(record.tokenId);
      expect(onChain.contentHash).to.equal(record.contentHash);
      expect(onChain.version).to.equal(1n);
      const result = await readRecord(context, record.tokenId, patientKeys.privateKey);
      expect(result.kind).to.equal(record.kind);
      expect(result.patient).to.equal(core.signers.patient.address);
      readBack.push({ kind: result.kind, encounter: record.encounter, bundle: result.bundle });
    }
    expect(resourceSet(exportRecords(readBack).bundle)).to.deep.equal(resourceSet(bundle));
  });

  it("lets the resolver's key open the same record, and no other key", async () => {
    const { patientKeys, resolverKeys, context, options } = await loadFixture(setup);
    const [bundle] = generatePatientBundles({ seed: 8, patients: 1 });
    const [first] = await ingestRecord(context, bundle, options);
    const asPatient = await readRecord(context, first.tokenId, patientKeys.privateKey);
    const asResolver = await readRecord(context, first.tokenId, resolverKeys.privateKey);
    expect(canonicalize(asResolver.bundle)).to.deep.equal(canonicalize(asPatient.bundle));
    const stranger = generateEncryptionKeyPair();
    await expectRejects(readRecord(context, first.tokenId, stranger.privateKey), RecordKeyNotFoundError, "RECORD_KEY_NOT_FOUND");
  });

  it("stores nothing and mints nothing for invalid FHIR", async () => {
    const { core, context, options } = await loadFixture(setup);
    const before = await core.records.balanceOf(options.patient);
    const invalid = { resourceType: "Patient", birthDate: "yesterday" };
    await expectRejects(ingestRecord(context, invalid, options), FhirValidationError, "FHIR_INVALID");
    expect(await core.records.balanceOf(options.patient)).to.equal(before);
  });

  it("ingests a single resource as one record", async () => {
    const { context, options, patientKeys } = await loadFixture(setup);
    const [bundle] = generatePatientBundles({ seed: 9, patients: 1 });
    const patient = bundle.entry!.find((e) => e.resource?.resourceType === "Patient")!.resource!;
    const [record] = await ingestRecord(context, patient, options);
    expect(record.kind).to.equal("Patient");
    const back = await readRecord(context, record.tokenId, patientKeys.privateKey);
    expect(back.bundle.entry?.map((e) => canonicalize(e.resource))).to.deep.equal([canonicalize(patient)]);
  });

  it("a chunk that reverts because one of its ids was minted meanwhile is resumed: that record counts, the rest is sent again", async () => {
    const { core, context, options, patientKeys } = await loadFixture(setup);
    const index = memoryIngestIndex(randomBytes(32));
    const [bundle] = generatePatientBundles({ seed: 10, patients: 1 });
    const writer = options.writer;
    const sends: number[] = [];
    // The first record of the first chunk lands on its own first (e.g. an earlier run's transaction still pending).
    const racingWriter: typeof writer = {
      ...writer,
      async sendMintBatch(request) {
        if (sends.length === 0) await writer.mint({ patient: request.patient, ...request.entries[0] });
        sends.push(request.entries.length);
        return writer.sendMintBatch(request);
      },
    };
    const before = await core.records.balanceOf(options.patient);
    const written = await ingestRecord(context, bundle, { ...options, writer: racingWriter, index });
    expect(sends).to.deep.equal([written.length, written.length - 1]); // the reverted chunk, then the rest of it
    expect(written.every((r) => r.status === "minted")).to.equal(true);
    expect(await core.records.balanceOf(options.patient)).to.equal(before + BigInt(written.length));
    for (const record of written) expect((await readRecord(context, record.tokenId, patientKeys.privateKey)).kind).to.equal(record.kind);
    // A revert that no minted id explains fails the ingest.
    const refusing: typeof writer = { ...writer, sendMintBatch: async () => ({ mined: Promise.reject(new RecordWriteError("reverted")) }) };
    const [other] = generatePatientBundles({ seed: 15, patients: 1 });
    await expectRejects(ingestRecord(context, other, { ...options, writer: refusing, index }), RecordWriteError, "RECORD_WRITE_FAILED");
  });

  it("refuses a swapped ciphertext: the wraps and the ciphertext's AAD both bind the token id and version", async () => {
    const { core, context, options, patientKeys } = await loadFixture(setup);
    const [bundle] = generatePatientBundles({ seed: 11, patients: 1 });
    const [a, b] = await ingestRecord(context, bundle, options);
    const recordToken = await core.records.getAddress();
    const refA = { chainId: core.chainId, recordToken, tokenId: a.tokenId, version: 1n };
    const refB = { chainId: core.chainId, recordToken, tokenId: b.tokenId, version: 2n };
    // Point token b at a's ciphertext (the patient may update its own token) and copy a's wraps for b.
    const recordA = await core.records.recordOf(a.tokenId);
    const wraps = await context.keys.load(refA);
    await options.writer.update({ tokenId: b.tokenId, cid: ethers.getBytes(recordA.cid), contentHash: recordA.contentHash, version: 2n });
    await context.keys.save(refB, wraps);
    // a's wraps do not open as b's key.
    await expectRejects(readRecord(context, b.tokenId, patientKeys.privateKey), KeyUnwrapError, "KEY_UNWRAP_FAILED");
    // Even a's key re-wrapped for b (by someone holding it) does not decrypt a's ciphertext as b.
    const dek = await unwrapKey(wraps[0].wrappedKey, patientKeys.privateKey, refA);
    await context.keys.save(refB, [{ recipient: patientKeys.publicKey, wrappedKey: await wrapKey(dek, patientKeys.publicKey, refB) }]);
    dek.fill(0);
    await expectRejects(readRecord(context, b.tokenId, patientKeys.privateKey), DecryptionError, "DECRYPTION_FAILED");
  });

  it("reports unknown and burned tokens with RecordNotFoundError", async () => {
    const { core, context, options, patientKeys } = await loadFixture(setup);
    await expectRejects(readRecord(context, 999n, patientKeys.privateKey), RecordNotFoundError, "RECORD_NOT_FOUND");
    const [bundle] = generatePatientBundles({ seed: 12, patients: 1 });
    const [record] = await ingestRecord(context, bundle, options);
    await core.records.connect(core.signers.patient).burn(record.tokenId);
    await expectRejects(readRecord(context, record.tokenId, patientKeys.privateKey), RecordNotFoundError, "RECORD_NOT_FOUND");
  });

  it("finds the record in one chain call (recordOf: patient, version, hash, CID), and still refuses a burned one", async () => {
    const { core, context, options, patientKeys } = await loadFixture(setup);
    const [record] = await ingestRecord(context, generatePatientBundles({ seed: 15, patients: 1 })[0], options);
    const calls: string[] = [];
    const counted = new Proxy(context.recordToken, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== "function" || name === "getAddress") return value;
        return (...args: unknown[]) => (calls.push(String(name)), (value as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
    const read = await readRecord({ ...context, recordToken: counted }, record.tokenId, patientKeys.privateKey);
    expect(read.patient).to.equal(core.signers.patient.address);
    expect(calls).to.deep.equal(["recordOf"]);
    await core.records.connect(core.signers.patient).burn(record.tokenId);
    await expectRejects(readRecord({ ...context, recordToken: counted }, record.tokenId, patientKeys.privateKey), RecordNotFoundError, "RECORD_NOT_FOUND");
  });

  it("hands back exactly what was written without validating it again, and refuses a plaintext that is no Bundle", async () => {
    const { context, options, patientKeys } = await loadFixture(setup);
    // A Bundle the R4 validator refuses (no such gender code), sealed by a writer that did not validate it.
    const odd = '{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","gender":"robot","x":1.50}}]}';
    expect(() => prepareRecords(odd)).to.throw(FhirValidationError);
    const written = await writeRecord(context, { kind: "Patient", plaintext: new TextEncoder().encode(odd) }, options);
    const read = await readRecord(context, written.tokenId, patientKeys.privateKey);
    expect(new TextDecoder().decode(read.plaintext)).to.equal(odd);
    expect(read.bundle.entry?.[0].resource).to.deep.equal({ resourceType: "Patient", gender: "robot", x: 1.5 });
    expect(read.kind).to.equal("Patient");
    for (const [text, path] of [
      ['{"resourceType":"Patient"}', "resourceType"],
      ['{"resourceType":"Bundle","entry":{}}', "Bundle.entry"],
      ['{"resourceType":"Bundle","entry":[{"resource":{"id":"a"}}]}', "Bundle.entry[0].resource.resourceType"],
      ["not json", "$"],
    ]) {
      const bad = await writeRecord(context, { kind: "Patient", plaintext: new TextEncoder().encode(text) }, options);
      const error = await expectRejects(readRecord(context, bad.tokenId, patientKeys.privateKey), FhirValidationError, "FHIR_INVALID");
      expect((error as FhirValidationError).issues[0].path).to.equal(path);
    }
  });

  it("a wrap tampered in the key store fails with KeyUnwrapError", async () => {
    const { core, context, options, patientKeys } = await loadFixture(setup);
    const [bundle] = generatePatientBundles({ seed: 13, patients: 1 });
    const [record] = await ingestRecord(context, bundle, options);
    const ref = { chainId: core.chainId, recordToken: await core.records.getAddress(), tokenId: record.tokenId, version: 1n };
    const wraps = await context.keys.load(ref);
    wraps[0].wrappedKey[50] ^= 0x01;
    await context.keys.save(ref, wraps);
    await expectRejects(readRecord(context, record.tokenId, patientKeys.privateKey), KeyUnwrapError, "KEY_UNWRAP_FAILED");
  });

  it("bulk-ingests several patients' bundles with bounded concurrency and reports progress", async () => {
    const { core, context, options, patientKeys } = await loadFixture(setup);
    const bundles = generatePatientBundles({ seed: 14, patients: 3 });
    const progress: IngestProgress[] = [];
    const results = await ingestBundles(
      context,
      bundles.map((input) => ({ input, options })),
      { concurrency: 2, onProgress: (p) => progress.push(p) },
    );
    const total = results.flat().length;
    // One report per record and one per finished input, counting records and bytes, never going back.
    expect(progress).to.have.length(total + 3);
    expect(progress.filter((p, i) => i > 0 && p.done > progress[i - 1].done).map((p) => p.done)).to.deep.equal([1, 2, 3]);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i].records).to.be.at.least(progress[i - 1].records);
      expect(progress[i].bytes).to.be.at.least(progress[i - 1].bytes);
    }
    const bytes = results.flat().reduce((n, r) => n + r.size - SEALED_RECORD_OVERHEAD, 0);
    expect(progress.at(-1)).to.deep.equal({ done: 3, total: 3, records: total, recordsTotal: total, bytes, bytesTotal: bytes, unchanged: 0 });
    expect(total).to.equal(bundles.reduce((n, b) => n + splitBundle(b).length, 0));
    expect(await core.records.balanceOf(core.signers.patient.address)).to.equal(BigInt(total) + 1n);
    const last = results[2].at(-1)!;
    expect((await readRecord(context, last.tokenId, patientKeys.privateKey)).kind).to.equal(last.kind);
  });

  it("a real-world-shaped transaction goes in and comes back out byte-for-byte: decimals, requests, conditional references", async () => {
    const { context, options, patientKeys } = await loadFixture(setup);
    const input = readFileSync(path.join(__dirname, "..", "..", "fixtures", "real-world", "synthea-transaction.json"));
    const written = await ingestRecord(context, input, options);
    const back = [];
    for (const record of written) {
      const result = await readRecord(context, record.tokenId, patientKeys.privateKey);
      back.push({ kind: result.kind, bundle: parseFhirJson(result.plaintext) as Bundle });
    }
    expect(Buffer.from(back.map((r) => canonicalJson(r.bundle)).join("")).toString()).to.match(/"value":1532\.80[,}]/);
    const exported = exportRecords(back);
    expect(exported.exact).to.equal(true);
    expect(canonicalJson(exported.bundle)).to.equal(canonicalJson(parseFhirJson(input)));
  });

  it("adding the same bundle twice mints nothing the second time and says which records were unchanged", async () => {
    const { core, context, options } = await loadFixture(setup);
    const index = memoryIngestIndex(randomBytes(32));
    const [bundle] = generatePatientBundles({ seed: 21, patients: 1 });
    const text = JSON.stringify(bundle);
    const first = await ingestRecord(context, text, { ...options, index });
    expect(first.every((r) => r.status === "minted")).to.equal(true);
    const next = await core.records.balanceOf(options.patient);
    const second = await ingestRecord(context, text, { ...options, index });
    expect(second.map((r) => r.status)).to.deep.equal(first.map(() => "unchanged"));
    expect(second.map((r) => [r.tokenId, r.kind, r.contentHash, r.cid, r.size])).to.deep.equal(first.map((r) => [r.tokenId, r.kind, r.contentHash, r.cid, r.size]));
    expect(await core.records.balanceOf(options.patient)).to.equal(next);
    // A changed bundle is new data.
    const changed = JSON.parse(text) as Bundle;
    (changed.entry![0].resource as { gender?: string }).gender = "unknown";
    const third = await ingestRecord(context, JSON.stringify(changed), { ...options, index });
    expect(third.some((r) => r.status === "minted")).to.equal(true);
    // A record forgotten (burned) is minted again when it is added again.
    await forgetRecord(context, first[0].tokenId, options.writer);
    const fourth = await ingestRecord(context, text, { ...options, index });
    expect(fourth[0].status).to.equal("minted");
    expect(fourth[0].tokenId).to.not.equal(first[0].tokenId);
    expect(fourth.slice(1).every((r) => r.status === "unchanged")).to.equal(true);
  });

  it("a scanned PDF over 1 MB in an attachment goes in (base64Binary has no 1 MB limit) and comes back exact", async () => {
    const { context, options, patientKeys } = await loadFixture(setup);
    const pdf = Buffer.concat([Buffer.from("%PDF-1.7\n"), randomBytes(1_600_000)]).toString("base64");
    const input = JSON.stringify({
      resourceType: "Bundle",
      type: "collection",
      entry: [
        { fullUrl: "urn:uuid:00000000-0000-4000-8000-0000000000e1", resource: { resourceType: "Encounter", id: "e1", status: "finished", class: { code: "AMB" } } },
        {
          fullUrl: "urn:uuid:00000000-0000-4000-8000-0000000000d1",
          resource: {
            resourceType: "DocumentReference",
            id: "scan-1",
            status: "current",
            content: [{ attachment: { contentType: "application/pdf", data: pdf } }],
            context: { encounter: [{ reference: "urn:uuid:00000000-0000-4000-8000-0000000000e1" }] },
          },
        },
      ],
    });
    const written = await ingestRecord(context, input, options);
    const scan = written.find((r) => r.kind === "DocumentReference")!;
    expect(scan.encounter).to.equal("Encounter/e1");
    expect(scan.size).to.be.greaterThan(2_000_000); // stored as a chunked UnixFS file (1 MiB chunks)
    const back = [];
    for (const record of written) back.push({ kind: record.kind, bundle: parseFhirJson((await readRecord(context, record.tokenId, patientKeys.privateKey)).plaintext) as Bundle });
    const exported = exportRecords(back);
    expect(exported.exact).to.equal(true);
    expect(canonicalJson(exported.bundle)).to.equal(canonicalJson(parseFhirJson(input)));
  });

  it("one read path: any key source; a key for another version is refused, and every key is disposed of", async () => {
    const { context, options, patientKeys } = await loadFixture(setup);
    const [record] = await ingestRecord(context, generatePatientBundles({ seed: 31, patients: 1 })[0], options);
    const own = localKeys(patientKeys.privateKey);
    let disposed = 0;
    const counting = (versionShift: bigint): KeySource<{ via: string }> => ({
      async keyFor(ctx, ref) {
        const key = await own.keyFor(ctx, ref);
        return { ...key, version: key.version + versionShift, extra: { via: "test" }, dispose: () => void disposed++ };
      },
    });
    const read = await readRecord(context, record.tokenId, counting(0n));
    expect(read.via).to.equal("test");
    expect(read.kind).to.equal(record.kind);
    expect(disposed).to.equal(1);
    await expectRejects(readRecord(context, record.tokenId, counting(1n)), RecordVersionChangedError, "RECORD_VERSION_CHANGED");
    expect(disposed).to.equal(2);
    // A burned record is refused before any key is asked for.
    await forgetRecord(context, record.tokenId, options.writer);
    await expectRejects(readRecord(context, record.tokenId, counting(0n)), RecordNotFoundError, "RECORD_NOT_FOUND");
    expect(disposed).to.equal(2);
  });

  it("one localKeys source reads many records with its key loaded once, which a read's dispose leaves usable; a key that does not load is refused at every read", async () => {
    const { context, options, patientKeys, resolverKeys } = await loadFixture(setup);
    const written = await ingestRecord(context, generatePatientBundles({ seed: 32, patients: 1 })[0], options);
    const own = localKeys(patientKeys.privateKey);
    for (const record of written) expect((await readRecord(context, record.tokenId, own)).kind).to.equal(record.kind);
    const again = await readRecord(context, written[0].tokenId, own); // after every read disposed of its key
    expect(again.tokenId).to.equal(written[0].tokenId);
    // Another reader's source opens its own wraps only.
    const resolver = localKeys(resolverKeys.privateKey);
    expect((await readRecord(context, written[0].tokenId, resolver)).kind).to.equal(written[0].kind);
    const stranger = localKeys(generateEncryptionKeyPair().privateKey);
    await expectRejects(readRecord(context, written[0].tokenId, stranger), RecordKeyNotFoundError, "RECORD_KEY_NOT_FOUND");
    const broken = localKeys(new Uint8Array(31));
    for (let i = 0; i < 2; i++) {
      let error: unknown;
      try {
        await readRecord(context, written[0].tokenId, broken);
      } catch (caught) {
        error = caught;
      }
      expect((error as { code?: string })?.code, `read ${i}`).to.equal("INVALID_KEY");
    }
  });

  it("adding a stored bundle again for a new recipient (a resolver) gives it wraps, not new tokens", async () => {
    const fixture = await loadFixture(setup);
    const { options, patientKeys, resolverKeys } = fixture;
    // Its own key store: the fixture's outlives the chain snapshots, so it holds wraps of other tests' tokens.
    const context = { ...fixture.context, keys: fileKeyStore(await mkdtemp(path.join(dir, "keys-"))) };
    const index = memoryIngestIndex(randomBytes(32));
    const text = JSON.stringify(generatePatientBundles({ seed: 41, patients: 1 })[0]);
    const first = await ingestRecord(context, text, { ...options, recipients: [patientKeys.publicKey], index });
    await expectRejects(readRecord(context, first[0].tokenId, resolverKeys.privateKey), RecordKeyNotFoundError, "RECORD_KEY_NOT_FOUND");
    // Without the writer's own key at hand, a missing wrap cannot be made: refused, not silently unreadable.
    await expectRejects(ingestRecord(context, text, { ...options, index }), RecordWriteError, "RECORD_WRITE_FAILED");
    const again = await ingestRecord(context, text, { ...options, index, rewrapWith: patientKeys.privateKey });
    expect(again.map((r) => [r.tokenId, r.status, r.wrapsAdded])).to.deep.equal(first.map((r) => [r.tokenId, "unchanged", 1]));
    for (const record of again) expect((await readRecord(context, record.tokenId, resolverKeys.privateKey)).plaintext).to.deep.equal((await readRecord(context, record.tokenId, patientKeys.privateKey)).plaintext);
    const once = await ingestRecord(context, text, { ...options, index, rewrapWith: patientKeys.privateKey });
    expect(once.every((r) => r.wrapsAdded === 0)).to.equal(true);
  });
});
