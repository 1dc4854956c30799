import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Wallet, ZeroHash, type JsonRpcProvider } from "ethers";
import { deployCore } from "../../helpers/fixture";
import { expectMedrecError } from "../../helpers/rejects";
import {
  ClientConfigError,
  InvalidArgumentError,
  RECEIPT_POLLING_MS,
  audit,
  consent,
  createMedrecClient,
  crypto,
  eoaAccount,
  records,
  vocabulary,
  wallet,
  withAccount,
  type EoaAccount,
  type MedrecClient,
} from "../../../sdk";
import { HeliaContentStore } from "../../../sdk/storage";

const IPS = path.join(__dirname, "../../fixtures/real-world/ips-document.json");
const SYNTHEA = path.join(__dirname, "../../fixtures/real-world/synthea-transaction.json");

describe("sdk/client: createMedrecClient and the actions over a real chain and a real Helia store", function () {
  this.timeout(180_000);
  let dir: string;
  let store: HeliaContentStore;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "medrec-client-"));
    store = await HeliaContentStore.open({ directory: path.join(dir, "ipfs") });
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function setup() {
    const core = await deployCore();
    const { patient, provider, outsider } = core.signers;
    const patientKeys = crypto.generateEncryptionKeyPair();
    await core.patients.connect(patient).rotateEncryptionKey(patientKeys.publicKeyHex);
    const deployment = { ...core.deployment, chainId: Number(core.chainId) };
    const client = createMedrecClient({ provider: ethers.provider, deployment, store, account: await eoaAccount(patient) });
    const providerClient = withAccount(client, await eoaAccount(provider));
    return { core, client, providerClient, patientKeys, patient, provider, outsider, deployment };
  }

  it("refuses a config it cannot use, with typed errors (nothing read from the chain)", async () => {
    const { deployment } = await loadFixture(setup);
    expectMedrecError(() => createMedrecClient({ deployment }), InvalidArgumentError, "INVALID_ARGUMENT");
    expectMedrecError(
      () => createMedrecClient({ provider: ethers.provider, rpcUrl: "http://127.0.0.1:1", deployment }),
      InvalidArgumentError,
      "INVALID_ARGUMENT",
    );
    const broken = { ...deployment, contracts: { ...deployment.contracts, RecordToken: { address: "0x1234" } } };
    expectMedrecError(() => createMedrecClient({ provider: ethers.provider, deployment: broken }), InvalidArgumentError, "INVALID_ARGUMENT");
    expectMedrecError(() => createMedrecClient({ provider: ethers.provider, deployment: { ...deployment, chainId: 0 } }), InvalidArgumentError, "INVALID_ARGUMENT");
  });

  it("computes the domains and contract handles once, from the deployment", async () => {
    const { client, core } = await loadFixture(setup);
    expect(client.chainId).to.equal(core.chainId);
    expect(client.domains.consent).to.deep.equal(core.domain);
    expect(client.addresses.ConsentManager).to.equal(core.deployment.contracts.ConsentManager.address);
    expect(await client.contracts.recordToken.getAddress()).to.equal(core.deployment.contracts.RecordToken.address);
    expect(Object.isFrozen(client)).to.equal(true);
  });

  it("a client made from an rpcUrl reads its own writes (no result cache) and polls receipts every RECEIPT_POLLING_MS", async () => {
    const { deployment } = await loadFixture(setup);
    const client = createMedrecClient({ rpcUrl: "http://127.0.0.1:1", deployment });
    const provider = client.provider as JsonRpcProvider;
    try {
      // ethers' default caches identical reads for 250 ms: a balance or a grant read right after a write came back stale.
      expect(provider._getOption("cacheTimeout")).to.equal(-1);
      expect(provider.pollingInterval).to.equal(RECEIPT_POLLING_MS);
      expect((await provider.getNetwork()).chainId).to.equal(BigInt(deployment.chainId)); // pinned: no probe of the (closed) port
    } finally {
      provider.destroy();
    }
  });

  it("a bare key (no provider) given as the account is connected to the client's chain, so it can send", async () => {
    const { deployment, core } = await loadFixture(setup);
    const bare = Wallet.createRandom();
    const client = createMedrecClient({ provider: ethers.provider, deployment, account: await eoaAccount(bare) });
    expect(client.account?.kind).to.equal("eoa");
    const signer = (client.account as EoaAccount).signer;
    expect(signer.provider).to.equal(ethers.provider);
    expect(await signer.getAddress()).to.equal(bare.address);
    expect(withAccount(client, await eoaAccount(Wallet.createRandom())).account).to.satisfy((a: EoaAccount) => a.signer.provider === ethers.provider);
    // a key connected to its own provider is left as it is
    const connected = await eoaAccount(core.signers.patient);
    expect((createMedrecClient({ provider: ethers.provider, deployment, account: connected }).account as typeof connected).signer).to.equal(core.signers.patient);
  });

  it("an action that needs an account, a store or a resolver says which is missing", async () => {
    const { deployment } = await loadFixture(setup);
    const bare = createMedrecClient({ provider: ethers.provider, deployment });
    const missing = async (promise: Promise<unknown>, part: string) => {
      const error = await promise.then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(ClientConfigError);
      expect((error as ClientConfigError).missing).to.equal(part);
      expect((error as ClientConfigError).category).to.equal("invalid-input");
    };
    await missing(records.ingest(bare, { inputs: [] }), "account");
    await missing(records.read(bare, { tokenId: 1n, keys: new Uint8Array(32) }), "store");
    await missing(consent.grant(bare, { grantee: Wallet.createRandom().address, tokenId: 1n, scopes: 1, purpose: "TREAT", expiresAt: 1n }), "account");
  });

  it("ingest → list → read (local keys) → grant → consent list → revoke → accounting → forget, all through actions", async () => {
    const { client, providerClient, patientKeys, patient, provider } = await loadFixture(setup);
    const before = await records.list(client);
    const text = await readFile(IPS, "utf8");
    const [ingested] = await records.ingest(client, { inputs: [text] });
    expect(ingested).to.have.length(1); // a document bundle is one record
    const listed = await records.list(client);
    expect(listed.map((r) => r.tokenId)).to.deep.equal([...before.map((r) => r.tokenId), ingested[0].tokenId]);
    expect(listed.at(-1)!.kind).to.equal("Document");

    const read = await records.read(client, { tokenId: ingested[0].tokenId, keys: records.localKeys(patientKeys.privateKey) });
    expect(read.patient).to.equal(patient.address);
    expect(new TextDecoder().decode(read.plaintext)).to.include("\"resourceType\":\"Composition\"");

    const expiresAt = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 86_400n;
    const granted = await consent.grant(client, {
      grantee: provider.address,
      tokenId: ingested[0].tokenId,
      scopes: vocabulary.Scope.READ,
      purpose: "TREAT",
      expiresAt,
    });
    expect(granted.metadataId).to.equal(ZeroHash); // no consent store: no document, metadataId zero
    expect(granted.streamId).to.equal(null);
    expect(await client.contracts.consentManager.hasAccess(provider.address, ingested[0].tokenId, vocabulary.Scope.READ)).to.equal(true);
    const grants = await consent.list(client);
    const mine = grants.find((g) => g.tokenId === ingested[0].tokenId.toString() && g.grantee === provider.address);
    expect(mine, "the new grant is listed").to.not.equal(undefined);
    expect(mine!.consentId).to.equal(granted.consentId);
    expect(mine!.purposeText).to.equal(null);

    await consent.revoke(client, { grantee: provider.address, tokenId: ingested[0].tokenId });
    expect(await client.contracts.consentManager.hasAccess(provider.address, ingested[0].tokenId, vocabulary.Scope.READ)).to.equal(false);
    expect((await consent.list(client)).some((g) => g.tokenId === ingested[0].tokenId.toString())).to.equal(false);

    const accounting = await audit.accounting(client);
    const kinds = accounting.entries.filter((e) => e.tokenId === ingested[0].tokenId.toString()).map((e) => e.kind);
    expect(kinds).to.include.members(["record-created", "grant", "revocation"]);
    expect(await audit.accounting(providerClient, { patient: patient.address }).then((a) => a.entries.length)).to.equal(accounting.entries.length);

    const forgotten = await records.forget(client, { tokenId: ingested[0].tokenId });
    expect(forgotten.tokenId).to.equal(ingested[0].tokenId);
    expect((await records.list(client)).map((r) => r.tokenId)).to.not.include(ingested[0].tokenId);
  });

  it("a transaction bundle splits into records minted in one ingest, each readable with the patient's key", async () => {
    const { client, patientKeys } = await loadFixture(setup);
    const [ingested] = await records.ingest(client, { inputs: [await readFile(SYNTHEA, "utf8")] });
    expect(ingested.length).to.be.greaterThan(1);
    for (const record of ingested.slice(0, 3)) {
      const read = await records.read(client, { tokenId: record.tokenId, keys: patientKeys.privateKey });
      expect(read.kind).to.equal(record.kind);
    }
  });

  it("ingest refuses a patient with no registered key when no recipient is given", async () => {
    const { client, outsider } = await loadFixture(setup);
    const error = await records.ingest(client, { inputs: [await readFile(IPS, "utf8")], patient: outsider.address }).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(InvalidArgumentError);
    expect((error as Error).message).to.match(/no registered encryption key/);
  });

  it("ingest and forget check who may write before anything is stored or sent; registerPatient is idempotent", async () => {
    const { client, providerClient, patient, outsider, patientKeys } = await loadFixture(setup);
    const text = await readFile(IPS, "utf8");
    const refusal = async (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as records.RecordPermissionError);
    // An unregistered patient, even with a recipient given: NOT_A_PATIENT (refused), nothing minted.
    const balances = () => Promise.all([patient.address, outsider.address].map((a) => client.contracts.recordToken.balanceOf(a)));
    const before = await balances();
    const unregistered = await refusal(records.ingest(client, { inputs: [text], patient: outsider.address, recipients: [patientKeys.publicKey] }));
    expect(unregistered).to.be.instanceOf(records.RecordPermissionError);
    expect(unregistered).to.include({ code: "NOT_A_PATIENT", category: "refused" });
    // A provider without the patient's APPEND consent: NOT_AUTHORISED.
    const stranger = await refusal(records.ingest(providerClient, { inputs: [text], patient: patient.address }));
    expect(stranger).to.include({ code: "NOT_AUTHORISED", category: "refused" });
    expect(await balances()).to.deep.equal(before);
    // Only the record's patient may forget it.
    const [[record]] = await records.ingest(client, { inputs: [text] });
    const notPatient = await refusal(records.forget(providerClient, { tokenId: record.tokenId }));
    expect(notPatient).to.include({ code: "NOT_AUTHORISED", category: "refused" });
    expect(await client.contracts.recordToken.patientOf(record.tokenId)).to.equal(patient.address);

    const again = await wallet.registerPatient(client, { encryptionKey: patientKeys.publicKeyHex });
    expect(again.transactionHash).to.equal(null);
    expect(again.did).to.equal(vocabulary.didPkh(client.chainId, patient.address));
    const other = crypto.generateEncryptionKeyPair();
    const differs = await wallet.registerPatient(client, { encryptionKey: other.publicKeyHex }).then(() => undefined, (e: unknown) => e);
    expect(differs).to.be.instanceOf(wallet.PatientKeyDiffersError);
    const registered = await wallet.registerPatient(withAccount(client, await eoaAccount(outsider)), { encryptionKey: other.publicKeyHex });
    expect(registered.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(await client.contracts.patientRegistry.encryptionKeyOf(outsider.address)).to.equal(other.publicKeyHex);
  });
});
