import { expect } from "chai";
import { Contract, getAddress, keccak256, toUtf8Bytes, type Wallet } from "ethers";
import { EthSafeSignature } from "@safe-global/protocol-kit";
import { startStand, thrown, type Stand } from "./stand";
import {
  BreakGlassError,
  executeEmergencyAccess,
  proposeEmergencyAccess,
  safeInterface,
  signEmergencyAccess,
  type SafeTransaction,
} from "../../../sdk/breakglass";
import { deploySafe } from "../../../deploy/safe";
import { Scope, Purpose } from "../../../sdk/vocabulary";

const REASON = "unconscious patient in the ER, no consent on file"; // synthetic; never logged by the SDK
const HOUR = 3600;

/** The Safe's `execTransaction` with `safeTransaction`'s fields and signatures, sent by `sender` without the SDK. */
function rawExec(safeAddress: string, sender: Wallet, safeTransaction: SafeTransaction) {
  const { to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver } = safeTransaction.data;
  const safe = new Contract(safeAddress, safeInterface, sender);
  return safe.execTransaction(to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, safeTransaction.encodedSignatures());
}

describe("sdk/breakglass: the hospital officers' 2-of-3 Safe (protocol-kit, real JSON-RPC node)", function () {
  this.timeout(180_000);
  let stand: Stand;
  let safeAddress: string;
  let tokenId: bigint;
  let officers: Wallet[];
  let executor: Wallet;
  let outsider: Wallet;
  let provider: Wallet;

  before(async () => {
    const started = await startStand({ officers: { indexes: [6, 7, 8], threshold: 2 } });
    stand = started.stand;
    safeAddress = started.officersSafe!.address;
    officers = [6, 7, 8].map((index) => stand.signers[index]);
    [, provider] = stand.signers;
    executor = stand.signers[5];
    outsider = stand.signers[9];
    tokenId = await stand.patientWithRecord(stand.signers[3]);
  });

  after(async () => {
    await stand?.stop();
  });

  /** A proposal by officer #6 for the provider on the patient's record. */
  async function propose(overrides: Partial<Parameters<typeof proposeEmergencyAccess>[0]> = {}) {
    return proposeEmergencyAccess({
      safe: await stand.connect(officers[0], safeAddress),
      consentManager: await stand.consents.getAddress(),
      tokenId,
      grantee: provider.address,
      reason: REASON,
      durationSeconds: HOUR,
      ...overrides,
    });
  }
  const emergencyEvents = async () => stand.consents.queryFilter(stand.consents.filters.EmergencyAccessGranted());
  const readAccess = (purpose = Purpose.EMERGENCY) => stand.consents.hasAccessFor(provider.address, tokenId, Scope.READ, purpose);

  it("holds BREAK_GLASS_ROLE, and the proposal is a plain call to ConsentManager.emergencyAccess at the Safe's nonce", async () => {
    expect(await stand.consents.hasRole(await stand.consents.BREAK_GLASS_ROLE(), safeAddress)).to.equal(true);
    const proposal = await propose();
    expect(proposal.safeAddress).to.equal(safeAddress);
    expect(proposal.reasonHash).to.equal(keccak256(toUtf8Bytes(REASON)));
    const { data } = proposal.safeTransaction;
    expect(getAddress(data.to)).to.equal(await stand.consents.getAddress());
    expect([data.value, Number(data.operation), data.nonce]).to.deep.equal(["0", 0, 0]);
    expect(stand.consents.interface.decodeFunctionData("emergencyAccess", data.data)).to.deep.equal([
      tokenId,
      provider.address,
      proposal.reasonHash,
      BigInt(HOUR),
    ]);
    expect(proposal.safeTransaction.signatures.size).to.equal(0);
  });

  it("one signature is not enough: THRESHOLD_NOT_MET before sending (even when the executor is an owner), no event", async () => {
    const proposal = await propose();
    const signed = await signEmergencyAccess(await stand.connect(officers[0], safeAddress), proposal.safeTransaction);
    expect(signed.signatures.size).to.equal(1);
    for (const payer of [executor, officers[1]]) {
      const nonceBefore = await stand.rpc.getTransactionCount(payer.address);
      const error = await thrown(executeEmergencyAccess(await stand.connect(payer, safeAddress), signed));
      expect(error).to.be.instanceOf(BreakGlassError).and.to.have.property("code", "THRESHOLD_NOT_MET");
      expect((error as Error).message).to.match(/1 of the 2/).and.not.include(REASON);
      expect(await stand.rpc.getTransactionCount(payer.address)).to.equal(nonceBefore);
    }
    expect(await (await stand.connect(executor, safeAddress)).getNonce()).to.equal(0);
    expect(await emergencyEvents()).to.have.length(0);
    expect(await readAccess()).to.equal(false);
  });

  it("the chain itself refuses one signature: a raw execTransaction reverts with GS020", async () => {
    const proposal = await propose();
    const signed = await signEmergencyAccess(await stand.connect(officers[0], safeAddress), proposal.safeTransaction);
    await expect(rawExec(safeAddress, executor, signed)).to.be.revertedWith("GS020");
    expect(await emergencyEvents()).to.have.length(0);
  });

  it("a non-owner's signature is refused: by the SDK (NOT_A_SAFE_OWNER, INVALID_SIGNATURE) and by the chain (GS026)", async () => {
    const proposal = await propose();
    expect(await thrown(signEmergencyAccess(await stand.connect(outsider, safeAddress), proposal.safeTransaction)))
      .to.be.instanceOf(BreakGlassError)
      .and.to.have.property("code", "NOT_A_SAFE_OWNER");

    const signed = await signEmergencyAccess(await stand.connect(officers[0], safeAddress), proposal.safeTransaction);
    const outsiderSignature = outsider.signingKey.sign(proposal.safeTxHash).serialized;
    const withOutsider = await (await stand.connect(executor, safeAddress)).copyTransaction(signed);
    withOutsider.addSignature(new EthSafeSignature(outsider.address, outsiderSignature));
    expect(await thrown(executeEmergencyAccess(await stand.connect(executor, safeAddress), withOutsider)))
      .to.be.instanceOf(BreakGlassError)
      .and.to.have.property("code", "NOT_A_SAFE_OWNER");

    const impersonating = await (await stand.connect(executor, safeAddress)).copyTransaction(signed);
    impersonating.addSignature(new EthSafeSignature(officers[1].address, outsiderSignature));
    expect(await thrown(executeEmergencyAccess(await stand.connect(executor, safeAddress), impersonating)))
      .to.be.instanceOf(BreakGlassError)
      .and.to.have.property("code", "INVALID_SIGNATURE");

    await expect(rawExec(safeAddress, executor, withOutsider)).to.be.revertedWith("GS026");
    expect(await emergencyEvents()).to.have.length(0);
  });

  it("an owner of another Safe is not an owner of this one: NOT_A_SAFE_OWNER", async () => {
    const other = await deploySafe({ signer: stand.signers[0], contracts: stand.safeContracts, owners: [outsider.address], threshold: 1 });
    const otherConnection = await stand.connect(outsider, other.address);
    expect(await otherConnection.isOwner(outsider.address)).to.equal(true);
    const proposal = await propose();
    expect(await thrown(signEmergencyAccess(await stand.connect(outsider, safeAddress), proposal.safeTransaction)))
      .to.be.instanceOf(BreakGlassError)
      .and.to.have.property("code", "NOT_A_SAFE_OWNER");
  });

  it("ConsentManager's refusal is reported (EXECUTION_FAILED, decoded error) before sending", async () => {
    const lab = stand.signers[2];
    const proposal = await propose({ grantee: lab.address });
    let signed = await signEmergencyAccess(await stand.connect(officers[0], safeAddress), proposal.safeTransaction);
    signed = await signEmergencyAccess(await stand.connect(officers[1], safeAddress), signed);
    const nonceBefore = await stand.rpc.getTransactionCount(executor.address);
    const error = await thrown(executeEmergencyAccess(await stand.connect(executor, safeAddress), signed));
    expect(error).to.be.instanceOf(BreakGlassError).and.to.have.property("code", "EXECUTION_FAILED");
    expect((error as Error).message).to.include(`InactiveGrantee(${lab.address})`);
    expect(await stand.rpc.getTransactionCount(executor.address)).to.equal(nonceBefore);
  });

  it("two of three: executed; READ for the emergency purpose only; the event carries approvedBy = Safe and the reason hash; expires", async () => {
    const proposal = await propose();
    let signed = await signEmergencyAccess(await stand.connect(officers[0], safeAddress), proposal.safeTransaction);
    signed = await signEmergencyAccess(await stand.connect(officers[2], safeAddress), signed);
    const result = await executeEmergencyAccess(await stand.connect(executor, safeAddress), signed);

    const receipt = await stand.rpc.getTransactionReceipt(result.transactionHash);
    const block = await stand.rpc.getBlock(receipt!.blockNumber);
    expect(receipt!.from).to.equal(executor.address);
    expect(receipt!.to).to.equal(safeAddress);
    expect(result).to.deep.include({
      safeTxHash: proposal.safeTxHash,
      tokenId,
      patient: stand.signers[3].address,
      grantee: provider.address,
      approvedBy: safeAddress,
      reasonHash: proposal.reasonHash,
      expiresAt: BigInt(block!.timestamp + HOUR),
      gasUsed: receipt!.gasUsed,
    });
    expect(result.approvers).to.have.members([officers[0].address, officers[2].address]);
    console.log(`      (Safe execTransaction gas, 2-of-3 break-glass emergencyAccess: ${result.gasUsed})`);

    const [event] = await emergencyEvents();
    expect(event.transactionHash).to.equal(result.transactionHash);
    expect(event.args.approvedBy).to.equal(safeAddress);
    expect(event.args.reasonHash).to.equal(keccak256(toUtf8Bytes(REASON)));
    expect(event.args.expiresAt).to.equal(result.expiresAt);
    const safeEvents = receipt!.logs.filter((log) => log.address === safeAddress).map((log) => safeInterface.parseLog(log)?.name);
    expect(safeEvents).to.include.members(["SafeMultiSigTransaction", "ExecutionSuccess"]); // SafeL2 logs the signed call

    expect(await readAccess()).to.equal(true);
    expect(await readAccess(Purpose.TREATMENT)).to.equal(false);
    expect(await stand.consents.hasAccess(provider.address, tokenId, Scope.APPEND)).to.equal(false);
    expect(await (await stand.connect(executor, safeAddress)).getNonce()).to.equal(1);

    await stand.advance(HOUR - 10);
    expect(await readAccess()).to.equal(true);
    await stand.advance(11);
    expect(await readAccess()).to.equal(false);

    // Replay: the SDK sees the nonce moved on; the chain rejects the same signatures under the new nonce (GS026).
    expect(await thrown(executeEmergencyAccess(await stand.connect(executor, safeAddress), signed)))
      .to.be.instanceOf(BreakGlassError)
      .and.to.have.property("code", "STALE_NONCE");
    await expect(rawExec(safeAddress, executor, signed)).to.be.revertedWith("GS026");
    expect(await emergencyEvents()).to.have.length(1);
    expect(await readAccess()).to.equal(false);
  });
});
