import { expect } from "chai";
import { createServer, type AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet, id as keccakUtf8, isHexString, type HDNodeWallet, type Signer } from "ethers";
import { CeramicClient } from "@ceramicnetwork/http-client";
import { ModelInstanceDocument } from "@ceramicnetwork/stream-model-instance";
import { Model } from "@ceramicnetwork/stream-model";
import type { DIDSession } from "did-session";
import { startCeramicDaemon, type CeramicDaemon } from "../../../cli/src/ceramic/daemon";
import { measureConsentWriteLatency } from "../../support/ceramic/latency";
import { deployCore } from "../../helpers/fixture";
import { expectMedrecError, expectRejects } from "../../helpers/rejects";
import { didPkh, Purpose, ALL_RECORDS, Scope } from "../../../sdk/vocabulary";
import { FhirValidationError, validateFhir } from "../../../sdk/fhir";
import { randomBytes } from "node:crypto";
import {
  ConsentDocumentInvalidError,
  ConsentMetadataIdInvalidError,
  ConsentNotControllerError,
  ConsentStoreError,
  metadataIdOf,
  type ConsentDocument,
  type ConsentDocumentRef,
} from "../../../sdk/consent/consent-store";
import { consentResource, CONSENT_ID_SYSTEM, SCOPE_SYSTEM } from "../../../sdk/consent/consent-document";
import {
  CeramicConsentStore,
  createPkhSession,
  deployConsentModel,
  indexConsentModel,
  keyDidFromSeed,
  type CeramicConsentContent,
} from "../../../sdk/consent/ceramic-consent-store";

/** Chain of the did:pkh of the wallets that are not on the Hardhat chain (the Hardhat chain id). */
const CHAIN_ID = 31337n;
const PURPOSE_TEXT = "Share my lab results with Dr. Rivera for my treatment until tomorrow.";

/** A proposed READ/TREAT consent document of `patientDid` for a random grantee (or `grantee`). */
function proposedDocument(patientDid: string, overrides: { grantee?: string; controller?: string } = {}): ConsentDocument {
  const resource = consentResource({
    patient: patientDid,
    grantee: overrides.grantee ?? didPkh(CHAIN_ID, Wallet.createRandom().address),
    scopes: Scope.READ,
    purpose: Purpose.TREATMENT,
    period: { start: new Date(), end: new Date(Date.now() + 86_400_000) },
    tokenId: ALL_RECORDS,
  });
  return { controller: overrides.controller ?? patientDid, resource, purposeText: PURPOSE_TEXT, status: "proposed" };
}

/** Counts HTTP requests to `url` while `fn` runs (the http-client uses the global fetch). */
async function requestsTo<T>(url: string, fn: () => Promise<T>): Promise<{ count: number; result: PromiseSettledResult<T> }> {
  const original = globalThis.fetch;
  let count = 0;
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    if (String(input instanceof Request ? input.url : input).startsWith(url)) count++;
    return original(input, init);
  }) as typeof fetch;
  try {
    const [result] = await Promise.allSettled([fn()]);
    return { count, result };
  } finally {
    globalThis.fetch = original;
  }
}

describe("sdk/consent CeramicConsentStore on a real js-ceramic daemon (inmemory, in-process IPFS)", function () {
  this.timeout(60_000);

  let daemon: CeramicDaemon;
  let modelId: string;
  let patient: HDNodeWallet;
  let patientSession: DIDSession;
  let store: CeramicConsentStore;
  let other: HDNodeWallet;
  let otherSession: DIDSession;
  let otherStore: CeramicConsentStore;

  before(async function () {
    const admin = await keyDidFromSeed(randomBytes(32));
    daemon = await startCeramicDaemon({ adminDids: [admin.id] });
    modelId = await deployConsentModel(daemon.url, admin); // an admin DID: indexed too (find needs it)
    patient = Wallet.createRandom();
    other = Wallet.createRandom();
    patientSession = await createPkhSession(patient, { chainId: CHAIN_ID, modelId });
    otherSession = await createPkhSession(other, { chainId: CHAIN_ID, modelId });
    store = await CeramicConsentStore.open({ ceramicUrl: daemon.url, modelId, session: patientSession });
    otherStore = await CeramicConsentStore.open({ ceramicUrl: daemon.url, modelId, session: otherSession });
  });

  after(async function () {
    await store?.close();
    await otherStore?.close();
    if (daemon) {
      const exit = await daemon.stop();
      expect(exit.code, daemon.output().slice(-2000)).to.equal(0);
    }
  });

  it("the session's controller is the patient's did:pkh; the model is a MedrecConsent model", async () => {
    expect(store.controller).to.equal(`did:pkh:eip155:31337:${patient.address.toLowerCase()}`);
    expect(store.controller).to.equal(didPkh(CHAIN_ID, patient.address));
    expect(patientSession.did.id).to.match(/^did:key:z6Mk/); // the session key, with a CACAO from the did:pkh
    expect(store.modelId).to.equal(modelId);
  });

  it("creates a consent document as the patient's did:pkh and loads it back unchanged, for anyone to read", async () => {
    const document = proposedDocument(store.controller);
    const ref = await store.create(document);
    expect(ref.streamId).to.match(/^k[0-9a-z]{40,}$/);
    expect(ref.metadataId).to.equal(metadataIdOf(ref.streamId));

    const loaded = await store.load(ref.streamId);
    expect(loaded.streamId).to.equal(ref.streamId);
    expect(loaded.metadataId).to.equal(ref.metadataId);
    expect(loaded.document).to.deep.equal(document);
    expect(loaded.document.controller).to.equal(didPkh(CHAIN_ID, patient.address));

    // Ceramic's own view: controller in the stream metadata, content as the model stores it.
    const client = new CeramicClient(daemon.url);
    try {
      const stream = await ModelInstanceDocument.load<CeramicConsentContent>(client, ref.streamId);
      expect(stream.metadata.controller).to.equal(store.controller);
      expect(stream.metadata.model.toString()).to.equal(modelId);
      expect(stream.content!.patient).to.equal(store.controller);
      expect(stream.content!.status).to.equal("proposed");
      expect(JSON.parse(stream.content!.fhirConsent)).to.deep.equal(document.resource);
    } finally {
      await client.close();
    }
    expect((await otherStore.load(ref.streamId)).document).to.deep.equal(document);
  });

  it("metadataId is keccak256(utf8(streamId)): deterministic, 32 bytes, distinct per document", async () => {
    const a = await store.create(proposedDocument(store.controller));
    const b = await store.create(proposedDocument(store.controller));
    expect(isHexString(a.metadataId, 32)).to.equal(true);
    expect(a.metadataId).to.equal(keccakUtf8(a.streamId));
    expect(metadataIdOf(a.streamId)).to.equal(metadataIdOf(a.streamId));
    expect(a.metadataId).to.not.equal(b.metadataId);
    expectMedrecError(() => metadataIdOf(""), ConsentStoreError, "CONSENT_STORE_FAILED");
  });

  it("updates the status on revoke (active → inactive), mirrored into the FHIR resource; id and metadataId stay", async () => {
    const ref = await store.create(proposedDocument(store.controller));
    const consentId = keccakUtf8("a signed consent");
    const active = await store.update(ref.streamId, { status: "active", consentId });
    expect(active.document.status).to.equal("active");
    expect(active.document.resource.status).to.equal("active");
    expect(active.document.resource.identifier).to.deep.include({ system: CONSENT_ID_SYSTEM, value: consentId });

    const revoked = await store.update(ref.streamId, { status: "inactive" });
    expect(revoked.streamId).to.equal(ref.streamId);
    expect(revoked.metadataId).to.equal(ref.metadataId);

    const loaded = await store.load(ref.streamId);
    expect(loaded.document.status).to.equal("inactive");
    expect(loaded.document.resource.status).to.equal("inactive");
    expect(loaded.document.consentId).to.equal(consentId);
    expect(loaded.document.purposeText).to.equal(PURPOSE_TEXT);
    expect(loaded.document).to.deep.equal(revoked.document);
  });

  it("end to end: the document's metadataId goes into a ConsentManager grant and comes back in AccessGranted", async () => {
    const core = await loadFixture(deployCore);
    const { patient: chainPatient, provider } = core.signers;
    // The patient's session on the fixture chain: controller = PatientRegistry.didOf(patient).
    const patientStore = await CeramicConsentStore.openWithSigner({
      ceramicUrl: daemon.url,
      modelId,
      signer: chainPatient as Signer,
    });
    try {
      expect(patientStore.controller).to.equal(await core.patients.didOf(chainPatient.address));
      const draft = await core.consentFor({ metadataId: "0x" + "00".repeat(32) });
      const resource = consentResource({
        patient: patientStore.controller,
        grantee: didPkh(core.chainId, provider.address),
        scopes: draft.scopes,
        purpose: draft.purpose,
        period: { end: draft.expiresAt },
        tokenId: draft.tokenId,
        recordToken: await core.records.getAddress(),
      });
      const ref = await patientStore.create({ controller: patientStore.controller, resource, purposeText: PURPOSE_TEXT, status: "proposed" });

      const consent = { ...draft, metadataId: ref.metadataId };
      const receipt = await (await core.consents.grant(consent, await core.sign(consent))).wait();
      const granted = receipt!.logs
        .map((log) => core.consents.interface.parseLog(log))
        .find((parsed) => parsed?.name === "AccessGranted");
      expect(granted, "AccessGranted").to.not.equal(undefined);
      expect(granted!.args.metadataId).to.equal(metadataIdOf(ref.streamId));
      expect(granted!.args.patient).to.equal(chainPatient.address);
      const consentId = granted!.args.consentId as string;

      await patientStore.update(ref.streamId, { status: "active", consentId });
      await (await core.consents.connect(chainPatient).revoke(draft.tokenId, provider.address)).wait();
      await patientStore.update(ref.streamId, { status: "inactive" });

      // A reader holding only the on-chain event finds the document: metadataId = hash of the stream id.
      const loaded = await store.load(ref.streamId);
      expect(metadataIdOf(loaded.streamId)).to.equal(granted!.args.metadataId);
      expect(loaded.document.consentId).to.equal(consentId);
      expect(loaded.document.status).to.equal("inactive");
      expect(loaded.document.controller).to.equal(await core.patients.didOf(chainPatient.address));
    } finally {
      await patientStore.close();
    }
  });

  it("another wallet's session cannot update the patient's document: refused by the store and by the node", async () => {
    const ref = await store.create(proposedDocument(store.controller));
    const refused = (await expectRejects(otherStore.update(ref.streamId, { status: "inactive" }), ConsentNotControllerError, "CONSENT_NOT_CONTROLLER")) as ConsentNotControllerError;
    expect(refused.controller).to.equal(store.controller);
    expect(refused.session).to.equal(otherStore.controller);

    // Bypassing the store: the daemon itself rejects a commit not signed by the controller's session.
    const client = new CeramicClient(daemon.url);
    client.did = otherSession.did;
    try {
      const stream = await ModelInstanceDocument.load<CeramicConsentContent>(client, ref.streamId);
      let refusal = "";
      try {
        await stream.replace({ ...stream.content!, status: "inactive" });
      } catch (error) {
        refusal = String((error as Error).message);
      }
      expect(refusal, "the node accepted a foreign update").to.match(/Can not verify signature for commit .* which has controller DID did:pkh/);
    } finally {
      await client.close();
    }
    expect((await store.load(ref.streamId)).document.status).to.equal("proposed");
  });

  it("a document for another controller is refused: by the store before writing, and by the node", async () => {
    const foreign = proposedDocument(otherStore.controller, { controller: otherStore.controller });
    const { count, result } = await requestsTo(daemon.url, () => store.create(foreign));
    expect(result.status).to.equal("rejected");
    await expectRejects(Promise.reject((result as PromiseRejectedResult).reason), ConsentNotControllerError, "CONSENT_NOT_CONTROLLER");
    expect(count, "requests sent to the node").to.equal(0);

    // Bypassing the store: a genesis naming another controller, signed by the patient's session, is rejected.
    const client = new CeramicClient(daemon.url);
    client.did = patientSession.did;
    try {
      const model = await Model.load(client, modelId);
      let refusal = "";
      try {
        await ModelInstanceDocument.create(client, { patient: otherStore.controller, fhirConsent: "{}", purposeText: "x", status: "proposed" }, {
          model: model.id,
          controller: otherStore.controller,
        });
      } catch (error) {
        refusal = String((error as Error).message);
      }
      expect(refusal, "the node accepted a document for another controller").to.match(/Can not verify signature for commit .* which has controller DID did:pkh/);
    } finally {
      await client.close();
    }
  });

  it("an invalid FHIR Consent is refused with ConsentDocumentInvalidError before anything is written", async () => {
    const document = proposedDocument(store.controller);
    const { scope: _scope, ...withoutScope } = document.resource;
    const invalid = { ...document, resource: withoutScope as typeof document.resource };
    const { count, result } = await requestsTo(daemon.url, () => store.create(invalid));
    expect(count, "requests sent to the node").to.equal(0);
    expect(result.status).to.equal("rejected");
    const error = (await expectRejects(
      Promise.reject((result as PromiseRejectedResult).reason),
      ConsentDocumentInvalidError,
      "CONSENT_DOCUMENT_INVALID",
    )) as ConsentDocumentInvalidError;
    expect(error.cause).to.be.instanceOf(FhirValidationError);
    expect(error.issues.map((issue) => issue.path)).to.include("resource.Consent.scope");

    // Inconsistent fields and a bad status code are refused the same way.
    await expectRejects(store.create({ ...document, status: "active" }), ConsentDocumentInvalidError, "CONSENT_DOCUMENT_INVALID");
    const badStatus = { ...document, status: "revoked", resource: { ...document.resource, status: "revoked" } } as unknown as ConsentDocument;
    await expectRejects(store.create(badStatus), ConsentDocumentInvalidError, "CONSENT_DOCUMENT_INVALID");
    await expectRejects(store.create({ ...document, purposeText: "" }), ConsentDocumentInvalidError, "CONSENT_DOCUMENT_INVALID");
    expectMedrecError(
      () => consentResource({ patient: patient.address, grantee: store.controller, scopes: 1, purpose: "TREAT", period: { end: 1n }, tokenId: ALL_RECORDS }),
      ConsentDocumentInvalidError,
      "CONSENT_DOCUMENT_INVALID",
    );

    // An update that would make the document invalid is refused too, and the stored document is unchanged.
    const ref = await store.create(document);
    await expectRejects(store.update(ref.streamId, { consentId: "0x1234" }), ConsentDocumentInvalidError, "CONSENT_DOCUMENT_INVALID");
    expect((await store.load(ref.streamId)).document).to.deep.equal(document);
  });

  it("loading something that is not a MedrecConsent document fails with ConsentStoreError", async () => {
    const notConsent = await expectRejects(store.load(modelId), ConsentStoreError, "CONSENT_STORE_FAILED");
    expect((notConsent as ConsentStoreError).operation).to.equal("load");
    await expectRejects(store.load("not-a-stream-id"), ConsentStoreError, "CONSENT_STORE_FAILED");
    // A document of another model (same schema, another model id) is not this store's.
    const otherModel = await deployConsentModel(daemon.url);
    const elsewhereSession = await createPkhSession(patient, { chainId: CHAIN_ID, modelId: otherModel });
    const elsewhere = await CeramicConsentStore.open({ ceramicUrl: daemon.url, modelId: otherModel, session: elsewhereSession });
    try {
      const ref = await elsewhere.create(proposedDocument(store.controller));
      await expectRejects(store.load(ref.streamId), ConsentStoreError, "CONSENT_STORE_FAILED");
    } finally {
      await elsewhere.close();
    }
  });

  it("find(metadataId) from a fresh store of the same controller goes through the index and finds the document", async () => {
    const document = proposedDocument(store.controller);
    const ref = await store.create(document);
    const fresh = await CeramicConsentStore.open({ ceramicUrl: daemon.url, modelId, session: patientSession });
    try {
      const { count, result } = await requestsTo(`${daemon.url}/api/v0/collection`, () => fresh.find(ref.metadataId));
      expect(count, "index queries").to.be.at.least(1);
      expect(result.status).to.equal("fulfilled");
      const found = (result as PromiseFulfilledResult<Awaited<ReturnType<typeof fresh.find>>>).value;
      expect(found?.streamId).to.equal(ref.streamId);
      expect(found?.metadataId).to.equal(ref.metadataId);
      expect(found?.document).to.deep.equal(document);
      // Upper-case hex is the same id.
      expect((await fresh.find(ref.metadataId.toUpperCase().replace("0X", "0x")))?.streamId).to.equal(ref.streamId);
    } finally {
      await fresh.close();
    }
  });

  it("find: a known id (created or found before) is not searched again; an unknown id is undefined", async () => {
    const ref = await store.create(proposedDocument(store.controller));
    const created = await requestsTo(`${daemon.url}/api/v0/collection`, () => store.find(ref.metadataId));
    expect(created.count, "index queries for a document the store created").to.equal(0);
    expect((created.result as PromiseFulfilledResult<unknown>).value).to.deep.include({ streamId: ref.streamId });

    const fresh = await CeramicConsentStore.open({ ceramicUrl: daemon.url, modelId, session: patientSession });
    try {
      expect((await fresh.find(ref.metadataId))?.streamId).to.equal(ref.streamId);
      const again = await requestsTo(`${daemon.url}/api/v0/collection`, () => fresh.find(ref.metadataId));
      expect(again.count, "index queries for a document found before").to.equal(0);
      expect((again.result as PromiseFulfilledResult<unknown>).value).to.deep.include({ streamId: ref.streamId });

      expect(await fresh.find(keccakUtf8("no such stream"))).to.equal(undefined);
      expect(await fresh.find(metadataIdOf(modelId))).to.equal(undefined); // a stream, but not a document of the model
    } finally {
      await fresh.close();
    }
  });

  it("find of another controller's document is undefined; the other controller finds it", async () => {
    const ref = await otherStore.create(proposedDocument(otherStore.controller, { controller: otherStore.controller }));
    expect(await store.find(ref.metadataId)).to.equal(undefined);
    const fresh = await CeramicConsentStore.open({ ceramicUrl: daemon.url, modelId, session: otherSession });
    try {
      expect((await fresh.find(ref.metadataId))?.document.controller).to.equal(otherStore.controller);
    } finally {
      await fresh.close();
    }
  });

  it("find after update returns the latest version, from the index and from the cache", async () => {
    const ref = await store.create(proposedDocument(store.controller));
    const consentId = keccakUtf8("signed for find");
    await store.update(ref.streamId, { status: "active", consentId });
    const fresh = await CeramicConsentStore.open({ ceramicUrl: daemon.url, modelId, session: patientSession });
    try {
      const found = await fresh.find(ref.metadataId);
      expect(found?.document.status).to.equal("active");
      expect(found?.document.consentId).to.equal(consentId);
      expect(found?.document.purposeText).to.equal(PURPOSE_TEXT);
      await store.update(ref.streamId, { status: "inactive" });
      const cached = await fresh.find(ref.metadataId); // known id: loaded, so the latest version
      expect(cached?.document.status).to.equal("inactive");
      expect(cached?.document.resource.status).to.equal("inactive");
      expect((await store.find(ref.metadataId))?.document.status).to.equal("inactive");
    } finally {
      await fresh.close();
    }
  });

  it("find pages through more documents than one index page", async () => {
    const writer = Wallet.createRandom();
    const session = await createPkhSession(writer, { chainId: CHAIN_ID, modelId });
    const writerStore = await CeramicConsentStore.open({ ceramicUrl: daemon.url, modelId, session });
    const fresh = await CeramicConsentStore.open({ ceramicUrl: daemon.url, modelId, session, findPageSize: 2 });
    try {
      const refs: ConsentDocumentRef[] = [];
      for (let i = 0; i < 5; i++) refs.push(await writerStore.create(proposedDocument(writerStore.controller)));
      const { count, result } = await requestsTo(`${daemon.url}/api/v0/collection`, () => fresh.find(refs[4].metadataId));
      expect((result as PromiseFulfilledResult<Awaited<ReturnType<typeof fresh.find>>>).value?.streamId).to.equal(refs[4].streamId);
      expect(count, "index pages").to.equal(3);
      // Everything on the way was remembered.
      const cached = await requestsTo(`${daemon.url}/api/v0/collection`, () => fresh.find(refs[0].metadataId));
      expect(cached.count).to.equal(0);
    } finally {
      await writerStore.close();
      await fresh.close();
    }
  });

  it("find refuses a malformed metadataId with ConsentMetadataIdInvalidError before asking the node", async () => {
    for (const bad of ["", "0x1234", "0x" + "zz".repeat(32), "ab".repeat(32), "0x" + "ab".repeat(33)]) {
      const { count, result } = await requestsTo(daemon.url, () => store.find(bad));
      expect(count, bad).to.equal(0);
      await expectRejects(Promise.reject((result as PromiseRejectedResult).reason), ConsentMetadataIdInvalidError, "CONSENT_METADATA_ID_INVALID");
    }
    expect(new ConsentMetadataIdInvalidError("0x12").category).to.equal("invalid-input");
  });

  it("find on a model the node does not index fails with ConsentStoreError (find); indexConsentModel needs an admin DID", async () => {
    const unindexed = await deployConsentModel(daemon.url);
    const session = await createPkhSession(patient, { chainId: CHAIN_ID, modelId: unindexed });
    const elsewhere = await CeramicConsentStore.open({ ceramicUrl: daemon.url, modelId: unindexed, session });
    try {
      const failure = (await expectRejects(elsewhere.find(keccakUtf8("x")), ConsentStoreError, "CONSENT_STORE_FAILED")) as ConsentStoreError;
      expect(failure.operation).to.equal("find");
      const refused = (await expectRejects(indexConsentModel(daemon.url, await keyDidFromSeed(randomBytes(32)), unindexed), ConsentStoreError, "CONSENT_STORE_FAILED")) as ConsentStoreError;
      expect(refused.operation).to.equal("index-model");
      await expectRejects(deployConsentModel(daemon.url, undefined, { index: true }), ConsentStoreError, "CONSENT_STORE_FAILED");
    } finally {
      await elsewhere.close();
    }
  });

  it("measureConsentWriteLatency reports p50/p99 of consent writes (figures only, no timing assertion)", async () => {
    const latency = await measureConsentWriteLatency(5, { ceramicUrl: daemon.url, modelId, warmup: 1 });
    expect(latency.n).to.equal(5);
    expect(latency.samples).to.have.length(5);
    expect(latency.p50).to.be.greaterThan(0);
    expect(latency.p99).to.be.at.least(latency.p50);
    expect(latency.max).to.be.at.least(latency.p99);
    expect(latency.daemonStartMs).to.equal(undefined);
  });
});

describe("cli/src/ceramic startCeramicDaemon", function () {
  this.timeout(30_000);

  it("fails with the tail of the daemon's output when the daemon dies during start-up, and leaves nothing behind", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = blocker.address() as AddressInfo;
      let failure: (Error & { dir?: string }) | undefined;
      try {
        const daemon = await startCeramicDaemon({ port });
        await daemon.stop();
      } catch (error) {
        failure = error as Error & { dir?: string };
      }
      expect(failure?.message).to.match(/^ceramic daemon exited during start-up/);
      expect(failure?.message).to.include("EADDRINUSE");
      expect(failure?.dir).to.be.a("string");
      expect(existsSync(failure!.dir!), "temp dir left behind").to.equal(false);
    } finally {
      blocker.close();
    }
  });
});

describe("sdk/consent consentResource (FHIR R4 Consent)", () => {
  const patientDid = didPkh(CHAIN_ID, "0x" + "ab".repeat(20));
  const granteeDid = didPkh(CHAIN_ID, "0x" + "cd".repeat(20));
  const recordToken = "0x" + "12".repeat(20);

  it("maps grantee, scopes, purpose, period and record token, and passes validateFhir(…, \"Consent\")", () => {
    const resource = consentResource({
      patient: patientDid,
      grantee: granteeDid,
      scopes: Scope.READ | Scope.ANNOTATE,
      purpose: Purpose.RESEARCH,
      period: { start: 1_700_000_000n, end: 1_700_086_400n },
      tokenId: 7n,
      recordToken,
      consentId: keccakUtf8("consent"),
    });
    expect(validateFhir(resource, "Consent")).to.equal(resource);
    expect(resource.status).to.equal("proposed");
    expect(resource.patient?.identifier?.value).to.equal(patientDid);
    expect(resource.identifier).to.deep.equal([{ system: CONSENT_ID_SYSTEM, value: keccakUtf8("consent") }]);
    const provision = resource.provision!;
    expect(provision.actor?.[0].reference.identifier?.value).to.equal(granteeDid);
    expect(provision.action?.map((action) => action.coding?.find((c) => c.system === SCOPE_SYSTEM)?.code)).to.deep.equal(["READ", "ANNOTATE"]);
    expect(provision.purpose).to.deep.equal([
      { system: "http://terminology.hl7.org/CodeSystem/v3-ActReason", code: "HRESCH", display: "healthcare research" },
    ]);
    expect(provision.period).to.deep.equal({ start: "2023-11-14T22:13:20.000Z", end: "2023-11-15T22:13:20.000Z" });
    expect(provision.data?.[0].reference.identifier?.value).to.equal(`31337/${recordToken}/7`);
  });

  it("covers all records without a data element, and refuses malformed parameters with ConsentDocumentInvalidError", () => {
    const base = { patient: patientDid, grantee: granteeDid, scopes: Scope.READ, purpose: "TREAT", period: { end: 1_800_000_000n }, tokenId: ALL_RECORDS };
    const all = consentResource(base);
    expect(all.provision?.data).to.equal(undefined);
    validateFhir(all, "Consent");
    for (const bad of [
      { patient: "0x" + "ab".repeat(20) },
      { grantee: didPkh(1n, "0x" + "cd".repeat(20)) },
      { scopes: 0 },
      { scopes: 8 },
      { purpose: "" },
      { purpose: "TREATMENT FOR EVERYTHING" },
      { period: { start: 1_900_000_000n, end: 1_800_000_000n } },
      { tokenId: 1n },
      { tokenId: 1n, recordToken: "not an address" },
      { consentId: "0x1234" },
    ]) {
      expectMedrecError(() => consentResource({ ...base, ...bad }), ConsentDocumentInvalidError, "CONSENT_DOCUMENT_INVALID");
    }
  });
});
