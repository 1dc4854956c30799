import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Wallet, hexlify, randomBytes, sha256, concat, encodeBytes32String } from "ethers";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { expectRejects } from "../helpers/rejects";
import { prepareRecords, type IngestedRecord } from "../../sdk/records";
import { ResolverError } from "../../sdk/resolver";
import { Purpose } from "../../sdk/vocabulary";
import { accountingOfDisclosures } from "../../sdk/audit";
import {
  BreakGlassError,
  connectSafe,
  createSafe,
  executeEmergencyAccess,
  proposeEmergencyAccess,
  setEmergencyDelegateCall,
  signEmergencyAccess,
} from "../../sdk/breakglass";
import { PatientRegistry__factory } from "../../sdk/chain/contracts";

const BUNDLE = JSON.parse(readFileSync(path.resolve(__dirname, "..", "fixtures", "synthetic-patient-bundle.json"), "utf8"));
const REASON = "synthetic: unconscious patient in the emergency department";
const DURATION = 1800;

describe("e2e: break-glass by a 2-of-3 Safe, the record read through the resolver, audited, expiring on time", function () {
  this.timeout(240_000);
  let stack: ResolverStack;
  let records: IngestedRecord[];
  let emergencyReader: Wallet;

  const connect = (wallet: Wallet, safeAddress: string) =>
    connectSafe({ provider: stack.chain.rpcUrl, signerPrivateKey: wallet.privateKey, safeAddress, contractNetworks: stack.breakGlass!.contractNetworks });
  const readEmergency = (tokenId: bigint, reader = emergencyReader) =>
    stack.read(reader, tokenId, { purpose: Purpose.EMERGENCY });
  const disclosures = () => stack.disclosureCount();
  const accounting = (patient: string) =>
    accountingOfDisclosures({
      provider: stack.provider,
      contracts: { ConsentManager: stack.config.consentManager, RecordToken: stack.config.recordToken },
      patient,
      from: new Date(0),
      to: new Date(Date.now() + 30 * 86_400_000),
      fromBlock: stack.deployment.startBlock,
    });
  /** Proposes emergency access on `tokenId` with `safeAddress`, signed by `signers`, executed by the executor. */
  async function breakGlass(safeAddress: string, signers: Wallet[], tokenId: bigint, grantee = emergencyReader.address) {
    const proposal = await proposeEmergencyAccess({
      safe: await connect(signers[0], safeAddress),
      consentManager: stack.config.consentManager,
      tokenId,
      grantee,
      reason: REASON,
      durationSeconds: DURATION,
    });
    let transaction = proposal.safeTransaction;
    for (const signer of signers) transaction = await signEmergencyAccess(await connect(signer, safeAddress), transaction);
    return executeEmergencyAccess(await connect(stack.breakGlass!.executor, safeAddress), transaction);
  }

  before(async () => {
    stack = await startResolverStack({ breakGlassSafe: true });
    records = await stack.ingest(BUNDLE);
    emergencyReader = stack.signers.stranger; // a registered provider the patient never granted anything
  });
  after(async () => stack?.stop());

  it("without break-glass the emergency reader is refused and nothing is disclosed", async () => {
    const before = await disclosures();
    await expectRejects(readEmergency(records[0].tokenId), ResolverError, "ACCESS_DENIED");
    expect(await disclosures()).to.equal(before);
  });

  it("one officer's signature is not enough: THRESHOLD_NOT_MET, no grant, the resolver still refuses", async () => {
    const before = await disclosures();
    await expectRejects(breakGlass(stack.breakGlass!.address, stack.breakGlass!.officers.slice(0, 1), records[0].tokenId), BreakGlassError, "THRESHOLD_NOT_MET");
    expect(await stack.consentManager.queryFilter(stack.consentManager.filters.EmergencyAccessGranted())).to.have.length(0);
    await expectRejects(readEmergency(records[0].tokenId), ResolverError, "ACCESS_DENIED");
    expect(await disclosures()).to.equal(before);
  });

  it("two of three: access opens, the reader gets the record byte-identical, the patient's audit shows both events, and it expires on time", async () => {
    const target = records[0];
    const executed = await breakGlass(stack.breakGlass!.address, stack.breakGlass!.officers.slice(1, 3), target.tokenId);
    expect(executed.approvedBy).to.equal(stack.breakGlass!.address);
    expect(executed.gasUsed).to.be.greaterThan(0n);

    const read = await readEmergency(target.tokenId);
    expect(Buffer.from(read.plaintext).equals(Buffer.from(prepareRecords(BUNDLE)[0].plaintext))).to.equal(true);
    const [disclosure] = await stack.consentManager.queryFilter(stack.consentManager.filters.Disclosure(target.tokenId, undefined, emergencyReader.address));
    expect(disclosure.args.emergency).to.equal(true);
    expect(disclosure.transactionHash).to.equal(read.disclosure.transactionHash);

    const entries = (await accounting(stack.signers.patient.address)).entries;
    const emergency = entries.find((e) => e.kind === "emergency-access" && e.tokenId === target.tokenId.toString());
    expect(emergency?.actor).to.equal(stack.breakGlass!.address);
    expect(emergency?.recipient).to.equal(emergencyReader.address);
    const disclosed = entries.find((e) => e.kind === "disclosure" && e.transactionHash === read.disclosure.transactionHash);
    expect(disclosed?.purpose).to.equal("ETREAT");
    expect(disclosed?.recipient).to.equal(emergencyReader.address);

    // Just before expiry it still works; one second after, the chain and so the resolver say no.
    const expiresAt = Number(executed.expiresAt);
    const head = (await stack.provider.getBlock("latest"))!.timestamp;
    await stack.provider.send("evm_increaseTime", [expiresAt - head - 5]);
    await stack.provider.send("evm_mine", []);
    await readEmergency(target.tokenId);
    await stack.provider.send("evm_increaseTime", [10]);
    await stack.provider.send("evm_mine", []);
    const before = await disclosures();
    await expectRejects(readEmergency(target.tokenId), ResolverError, "ACCESS_DENIED");
    expect(await disclosures()).to.equal(before);
  });

  it("guardians: a 2-of-3 Safe of the patient's guardians, named as emergency delegate, opens this patient's records and no one else's", async () => {
    const { patient, deployer, reader, spare } = stack.signers;
    const guardians = [0, 1, 2].map(() => new Wallet(Wallet.createRandom().privateKey));
    const guardianSafe = await createSafe({ signer: deployer, owners: guardians.map((g) => g.address), threshold: 2, contractNetworks: stack.breakGlass!.contractNetworks });
    const call = setEmergencyDelegateCall(stack.config.consentManager, guardianSafe.address);
    const named = await (await patient.sendTransaction({ to: call.target, data: call.data })).wait();
    expect(await stack.consentManager.emergencyDelegateOf(patient.address)).to.equal(guardianSafe.address);

    // Another patient with a record of their own.
    const otherPatient = spare[0];
    await (await PatientRegistry__factory.connect(stack.deployment.contracts.PatientRegistry.address, otherPatient).register(hexlify(randomBytes(32)))).wait();
    const pointer = sha256(randomBytes(64));
    const salt = hexlify(randomBytes(32));
    await (await stack.recordToken.connect(otherPatient).mint(otherPatient.address, salt, concat(["0x01551220", pointer]), pointer, encodeBytes32String("Observation"))).wait();
    const otherToken = await stack.recordToken.tokenIdFor(otherPatient.address, otherPatient.address, salt);

    await expectRejects(breakGlass(guardianSafe.address, guardians.slice(0, 2), otherToken, reader.address), BreakGlassError, "EXECUTION_FAILED");
    await expectRejects(breakGlass(guardianSafe.address, guardians.slice(0, 1), records[1].tokenId, reader.address), BreakGlassError, "THRESHOLD_NOT_MET");

    const executed = await breakGlass(guardianSafe.address, guardians.slice(1, 3), records[1].tokenId, reader.address);
    expect(executed.approvedBy).to.equal(guardianSafe.address);
    const read = await readEmergency(records[1].tokenId, reader);
    expect(read.tokenId).to.equal(records[1].tokenId);
    const entries = (await accounting(patient.address)).entries;
    expect(entries.some((e) => e.kind === "emergency-access" && e.actor === guardianSafe.address && e.tokenId === records[1].tokenId.toString())).to.equal(true);
    expect(entries.some((e) => e.kind === "disclosure" && e.transactionHash === read.disclosure.transactionHash)).to.equal(true);
    const delegate = entries.find((e) => e.kind === "emergency-delegate" && e.transactionHash === named!.hash);
    expect(delegate).to.deep.include({ tokenId: "all", actor: patient.address, recipient: guardianSafe.address, purpose: "ETREAT", emergency: false });
  });
});
