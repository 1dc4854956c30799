import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { expectRejects } from "../helpers/rejects";
import { prepareRecords, type IngestedRecord } from "../../sdk/records";
import { ResolverError } from "../../sdk/resolver";
import { Purpose } from "../../sdk/vocabulary";
import { accountingOfDisclosures } from "../../sdk/audit";
import { bytesToHex, generateEncryptionKeyPair } from "../../sdk/crypto";
import { ParticipantKind } from "../../sdk/chain/participant-kind";
import { TestSmartAccount__factory } from "../../sdk/chain/contracts";

const BUNDLE = JSON.parse(readFileSync(path.resolve(__dirname, "..", "fixtures", "synthetic-patient-bundle.json"), "utf8"));

describe("e2e: read, audit and revoke through the resolver (real chain, Helia, HTTP on 127.0.0.1)", function () {
  this.timeout(180_000);
  let stack: ResolverStack;
  let records: IngestedRecord[];

  before(async () => {
    stack = await startResolverStack();
    records = await stack.ingest(BUNDLE);
  });
  after(async () => stack?.stop());

  it("the writer's ingest deposits the resolver's wrap of every record", async () => {
    expect(records.length).to.be.greaterThan(1);
    for (const record of records) {
      expect(await stack.resolver.database.getWrap(record.tokenId, record.version)).to.be.instanceOf(Uint8Array);
    }
  });

  it("a granted reader gets the record byte-identical, the disclosure is on-chain and in the patient's audit; after revoke, nothing", async () => {
    const { reader, patient } = stack.signers;
    const [record] = records;
    await stack.grantRead(reader.address, record.tokenId);
    const before = await stack.disclosureCount(record.tokenId);

    const read = await stack.read(reader, record.tokenId);
    const expected = prepareRecords(BUNDLE)[0].plaintext;
    expect(Buffer.from(read.plaintext).equals(Buffer.from(expected))).to.equal(true);
    expect(read.bundle.resourceType).to.equal("Bundle");
    expect(await stack.disclosureCount(record.tokenId)).to.equal(before + 1);

    const receipt = await stack.provider.getTransactionReceipt(read.disclosure.transactionHash);
    expect(receipt?.status).to.equal(1);
    const accounting = await accountingOfDisclosures({
      provider: stack.provider,
      contracts: { ConsentManager: stack.config.consentManager, RecordToken: stack.config.recordToken },
      patient: patient.address,
      from: new Date(0),
      to: new Date(Date.now() + 3_600_000),
      fromBlock: stack.deployment.startBlock,
    });
    const disclosures = accounting.entries.filter((entry) => entry.kind === "disclosure");
    expect(disclosures.map((entry) => [entry.tokenId, entry.recipient, entry.actor, entry.purpose, entry.transactionHash])).to.deep.include([
      record.tokenId.toString(),
      reader.address,
      stack.identity.address,
      "TREAT",
      read.disclosure.transactionHash,
    ]);

    await (await stack.consentManager.revoke(record.tokenId, reader.address)).wait();
    const afterRevoke = await stack.disclosureCount(record.tokenId);
    const refused = await expectRejects(
      stack.read(reader, record.tokenId),
      ResolverError,
      "ACCESS_DENIED",
    );
    expect((refused as ResolverError).status).to.equal(403);
    expect(await stack.disclosureCount(record.tokenId)).to.equal(afterRevoke);
  });

  it("a provider's smart account reads by ERC-1271 (its owner key signs); a wrong magic value is refused with nothing disclosed", async () => {
    const { deployer, spare } = stack.signers;
    const owner = spare[1];
    const account = await new TestSmartAccount__factory(deployer).deploy(owner.address);
    await account.waitForDeployment();
    const accountAddress = await account.getAddress();
    await (await stack.providerRegistry.register(accountAddress, ParticipantKind.Provider, generateEncryptionKeyPair().publicKeyHex, bytesToHex(new Uint8Array(32).fill(3)))).wait();
    const record = records[1];
    await stack.grantRead(accountAddress, record.tokenId);
    const read = () =>
      stack.read(owner, record.tokenId, { requester: accountAddress });

    const released = await read();
    expect(Buffer.from(released.plaintext).equals(Buffer.from(prepareRecords(BUNDLE)[1].plaintext))).to.equal(true);
    const [event] = await stack.consentManager.queryFilter(stack.consentManager.filters.Disclosure(record.tokenId, undefined, accountAddress));
    expect(event.transactionHash).to.equal(released.disclosure.transactionHash);

    await (await account.connect(owner).setMisbehaving(true)).wait();
    const before = await stack.disclosureCount(record.tokenId);
    await expectRejects(read(), ResolverError, "INVALID_SIGNATURE");
    expect(await stack.disclosureCount(record.tokenId)).to.equal(before);
  });
});
