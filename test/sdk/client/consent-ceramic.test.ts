import { expect } from "chai";
import { ethers } from "hardhat";
import { randomBytes } from "node:crypto";
import { id as keccakUtf8 } from "ethers";
import { deployCore } from "../../helpers/fixture";
import { startCeramicDaemon, type CeramicDaemon } from "../../../cli/src/ceramic/daemon";
import { audit, consent, createMedrecClient, eoaAccount, vocabulary, type MedrecClient } from "../../../sdk";
import { CeramicConsentStore, deployConsentModel, keyDidFromSeed } from "../../../sdk/consent/ceramic-consent-store";

describe("sdk/client consent actions with the consent document on a real Ceramic daemon", function () {
  this.timeout(180_000);
  let daemon: CeramicDaemon;
  let modelId: string;
  let store: CeramicConsentStore;
  let client: MedrecClient;
  let core: Awaited<ReturnType<typeof deployCore>>;

  before(async function () {
    const admin = await keyDidFromSeed(randomBytes(32));
    daemon = await startCeramicDaemon({ adminDids: [admin.id] });
    modelId = await deployConsentModel(daemon.url, admin);
    core = await deployCore();
    const { patient } = core.signers;
    store = await CeramicConsentStore.openWithSigner({ ceramicUrl: daemon.url, modelId, signer: patient, chainId: core.chainId });
    client = createMedrecClient({
      provider: ethers.provider,
      deployment: { ...core.deployment, chainId: Number(core.chainId) },
      account: await eoaAccount(patient),
      consents: store,
    });
  });

  after(async function () {
    await store?.close();
    await daemon?.stop();
  });

  const inADay = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 86_400n;

  it("grant: the document is written, metadataId = keccak256(streamId) on-chain, and it ends active with the consent id", async () => {
    const { provider } = core.signers;
    const purposeText = "Dr. Rivera may read my lab results to treat me this week.";
    const granted = await consent.grant(client, {
      grantee: provider.address,
      tokenId: core.tokenId,
      scopes: vocabulary.Scope.READ,
      purpose: "TREAT",
      expiresAt: await inADay(),
      purposeText,
    });
    expect(granted.streamId).to.be.a("string");
    expect(granted.metadataId).to.equal(keccakUtf8(granted.streamId!));
    const onChain = await client.contracts.consentManager.queryFilter(client.contracts.consentManager.filters.AccessGranted(granted.consentId));
    expect(onChain).to.have.length(1);
    expect(onChain[0].args.metadataId).to.equal(granted.metadataId);
    const stored = await store.load(granted.streamId!);
    expect(stored.document.status).to.equal("active");
    expect(stored.document.consentId).to.equal(granted.consentId);
    expect(stored.document.purposeText).to.equal(purposeText);
    expect(stored.document.resource.provision?.purpose?.[0].code).to.equal("TREAT");

    const listed = (await consent.list(client)).find((g) => g.consentId === granted.consentId);
    expect(listed?.purposeText).to.equal(purposeText);
    expect(listed?.streamId).to.equal(granted.streamId);
    const entry = (await audit.accounting(client)).entries.find((e) => e.kind === "grant" && e.consentId === granted.consentId);
    expect(entry?.purposeText).to.equal(purposeText);
  });

  it("revoke: the on-chain grant ends and its document moves to inactive", async () => {
    const { lab } = core.signers;
    const granted = await consent.grant(client, { grantee: lab.address, tokenId: core.tokenId, scopes: vocabulary.Scope.APPEND, purpose: "TREAT", expiresAt: await inADay() });
    expect((await store.load(granted.streamId!)).document.purposeText).to.match(new RegExp(`APPEND access to record #${core.tokenId}\\b`)); // the default text says what and to whom
    const revoked = await consent.revoke(client, { grantee: lab.address, tokenId: core.tokenId });
    expect(revoked.streamId).to.equal(granted.streamId);
    expect((await store.load(granted.streamId!)).document.status).to.equal("inactive");
    expect(await client.contracts.consentManager.hasAccess(lab.address, core.tokenId, vocabulary.Scope.APPEND)).to.equal(false);
  });

  it("a grant the chain refuses leaves its document rejected, not proposed or active", async () => {
    const { outsider } = core.signers;
    const created: string[] = [];
    // the real store, recording the documents the action creates
    const recording = {
      controller: store.controller,
      find: store.find.bind(store),
      load: store.load.bind(store),
      update: store.update.bind(store),
      close: store.close.bind(store),
      create: async (document: Parameters<CeramicConsentStore["create"]>[0]) => {
        const ref = await store.create(document);
        created.push(ref.streamId);
        return ref;
      },
    };
    const recordingClient = createMedrecClient({ provider: ethers.provider, deployment: client.deployment, account: client.account, consents: recording });
    const error = await consent
      .grant(recordingClient, { grantee: outsider.address, tokenId: 999n, scopes: vocabulary.Scope.READ, purpose: "TREAT", expiresAt: await inADay(), purposeText: "a record that is not mine" })
      .then(() => undefined, (e: unknown) => e);
    expect(error, "the chain refused the grant (no such record of this patient)").to.be.instanceOf(Error);
    expect(created).to.have.length(1);
    expect((await store.load(created[0])).document.status).to.equal("rejected");
    expect((await consent.list(client)).some((g) => g.grantee === outsider.address)).to.equal(false);
  });
});
