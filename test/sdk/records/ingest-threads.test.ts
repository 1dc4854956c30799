/**
 * An ingest whose FHIR text inputs are prepared on a worker thread writes exactly what one prepared in the calling
 * thread writes, and an invalid input still stops the run before any of its records is stored.
 */
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { deployCore } from "../../helpers/fixture";
import { generatePatientBundles } from "../../fixtures/generate";
import { HeliaContentStore } from "../../../sdk/storage";
import { generateEncryptionKeyPair } from "../../../sdk/crypto";
import { FhirValidationError } from "../../../sdk/fhir";
import { eoaRecordWriter, fileKeyStore, ingestBundles, prepareRecords, readRecord, recordsContext, type RecordsContext } from "../../../sdk/records";

describe("sdk/records: ingest with preparation threads", function () {
  this.timeout(180_000);
  let dir: string;
  let store: HeliaContentStore;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "medrec-threads-"));
    store = await HeliaContentStore.open({ directory: path.join(dir, "ipfs") });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function setup() {
    const core = await deployCore();
    const patientKeys = generateEncryptionKeyPair();
    const context: RecordsContext = recordsContext({
      chainId: core.chainId,
      recordToken: await core.records.getAddress(),
      runner: ethers.provider,
      store,
      keys: fileKeyStore(await mkdtemp(path.join(dir, "keys-"))),
    });
    const options = { patient: core.signers.patient.address, recipients: [patientKeys.publicKey], writer: eoaRecordWriter(await core.records.getAddress(), core.signers.patient) };
    return { core, patientKeys, context, options };
  }

  it("text and bytes prepared on a worker thread: the records of the calling thread's preparation, each readable", async () => {
    const { context, options, patientKeys } = await loadFixture(setup);
    const bundles = generatePatientBundles({ seed: 91, patients: 14 });
    // A bundle with trailing-zero decimals as text: the worker keeps every digit, as the calling thread does.
    const texts = bundles.map((bundle) => JSON.stringify(bundle).replace(/"value":(\d+)\.(\d+)/, '"value":$1.$200'));
    const inputs = texts.map((text, i) => (i % 2 === 0 ? text : new TextEncoder().encode(text)));
    // Every input in flight on the one thread at once (concurrency 12 > inputs): one listener per worker event.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    const results = await ingestBundles(context, inputs.map((input) => ({ input, options })), { prepareThreads: 1, concurrency: 12 }).finally(() => process.off("warning", onWarning));
    expect(warnings).to.not.include("MaxListenersExceededWarning");
    const expected = texts.map((text) => prepareRecords(text));
    expect(results.map((r) => r.length)).to.deep.equal(expected.map((r) => r.length));
    for (const [i, records] of results.entries()) {
      for (const [j, record] of records.entries()) {
        expect(record.kind).to.equal(expected[i][j].kind);
        const back = await readRecord(context, record.tokenId, patientKeys.privateKey);
        expect(Buffer.from(back.plaintext).equals(Buffer.from(expected[i][j].plaintext)), `input ${i} record ${j}`).to.equal(true);
      }
    }
  });

  it("an invalid input prepared on the thread stops the run with its FHIR issues; the inputs before it are written, none of it", async () => {
    const { core, context, options } = await loadFixture(setup);
    const [good, later] = generatePatientBundles({ seed: 92, patients: 2 }).map((bundle) => JSON.stringify(bundle));
    const invalid = JSON.stringify({ resourceType: "Bundle", type: "collection", entry: [{ resource: { resourceType: "Observation", status: "not-a-status", code: { text: "x" } } }] });
    const before = await core.records.balanceOf(options.patient);
    let error: unknown;
    try {
      await ingestBundles(context, [good, invalid, later].map((input) => ({ input, options })), { prepareThreads: 1 });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(FhirValidationError);
    expect((error as FhirValidationError).issues.length).to.be.greaterThan(0);
    expect(await core.records.balanceOf(options.patient)).to.equal(before + BigInt(prepareRecords(good).length));
  });
});
