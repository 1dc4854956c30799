import { expect } from "chai";
import hre from "hardhat";
import { Contract, Wallet, ZeroAddress, concat, encodeBytes32String, getAddress, hexlify, randomBytes, sha256 } from "ethers";
import { startStand, thrown, type Stand } from "./stand";
import { evmContractDeployer } from "../../../deploy/contract-deployer";
import { deployWallets } from "../../../deploy/aa-wallets";
import { bootloaderTransport } from "../../../era-test-node/bootloader/driver";
import { installSystemDoubles } from "../../../era-test-node/bootloader/system-doubles";
import { createPatientAccount, sendSponsored, setGuardians, signOnboardingVoucher, type PatientWallet, type WalletContext } from "../../../sdk/wallet";
import {
  BreakGlassError,
  createGuardianSafe,
  executeEmergencyAccess,
  proposeEmergencyAccess,
  safeInterface,
  setEmergencyDelegateCall,
  signEmergencyAccess,
  type GuardianSafe,
} from "../../../sdk/breakglass";
import { RecordToken__factory } from "../../../sdk/chain/contracts";
import { recordTokenId } from "../../../sdk/vocabulary";
import { Scope, Purpose } from "../../../sdk/vocabulary";

const REASON = "patient found unresponsive at home by a guardian"; // synthetic
const HOUR = 3600;

describe("sdk/breakglass: a Safe of the patient's guardians as the patient's emergency delegate", function () {
  this.timeout(240_000);
  let stand: Stand;
  let context: WalletContext;
  let patient: PatientWallet;
  let patientToken: bigint;
  let otherToken: bigint;
  let guardians: Wallet[];
  let guardianSafe: GuardianSafe;
  let relayer: Wallet;
  let provider: Wallet;
  let factory: string;

  /** Onboards a smart-account patient whose key holds no ETH (factory + paymaster, bootloader driver). */
  async function onboard(paymaster: string, accountFactory: string): Promise<PatientWallet> {
    const owner = Wallet.createRandom().connect(stand.rpc);
    const { timestamp } = (await stand.rpc.getBlock("latest"))!;
    const voucher = await signOnboardingVoucher(stand.signers[0], paymaster, stand.chain.chainId, owner.address, BigInt(timestamp) + 3600n);
    return createPatientAccount(context, { owner, factory: accountFactory, salt: hexlify(randomBytes(32)), encryptionKey: hexlify(randomBytes(32)), voucher });
  }

  before(async () => {
    stand = (await startStand()).stand;
    const [deployer, providerWallet] = stand.signers;
    provider = providerWallet;
    relayer = stand.signers[5];
    guardians = [10, 11, 12].map((index) => stand.signers[index]);
    const wallets = await deployWallets(evmContractDeployer((name) => hre.artifacts.readArtifact(name), deployer), deployer, stand.core, {
      installSystemDoubles: () => installSystemDoubles(stand.rpc),
    });
    factory = wallets.AccountFactory.address;
    context = { transport: bootloaderTransport(stand.rpc), provider: stand.rpc, paymaster: wallets.SponsorPaymaster.address };
    patient = await onboard(wallets.SponsorPaymaster.address, factory);
    await setGuardians(context, patient, guardians.map((g) => g.address), 2);

    const records = RecordToken__factory.connect(stand.core.contracts.RecordToken.address, stand.rpc);
    const contentHash = sha256(randomBytes(64));
    const salt = hexlify(randomBytes(32));
    const mint = records.interface.encodeFunctionData("mint", [
      patient.address,
      salt,
      concat(["0x01551220", contentHash]),
      contentHash,
      encodeBytes32String("Observation"),
    ]);
    await sendSponsored(context, patient, [{ target: await records.getAddress(), data: mint }]);
    patientToken = recordTokenId(patient.address, patient.address, salt);
    expect(await records.patientOf(patientToken)).to.equal(patient.address);
    otherToken = await stand.patientWithRecord(stand.signers[4]);
  });

  after(async () => {
    await stand?.stop();
  });

  /** Proposes, has guardians #0 and #1 sign, and executes (relayer pays) an emergency access on `tokenId`. */
  async function guardiansOpen(tokenId: bigint, signers = guardians.slice(0, 2)) {
    const proposal = await proposeEmergencyAccess({
      safe: await stand.connect(signers[0], guardianSafe.address),
      consentManager: await stand.consents.getAddress(),
      tokenId,
      grantee: provider.address,
      reason: REASON,
      durationSeconds: HOUR,
    });
    let signed = proposal.safeTransaction;
    for (const guardian of signers) signed = await signEmergencyAccess(await stand.connect(guardian, guardianSafe.address), signed);
    return { proposal, signed, execute: async () => executeEmergencyAccess(await stand.connect(relayer, guardianSafe.address), signed) };
  }

  it("createGuardianSafe builds a Safe with the account's guardians as owners and its guardian threshold", async () => {
    guardianSafe = await createGuardianSafe({ signer: relayer, account: patient.address, contractNetworks: stand.contractNetworks });
    expect(guardianSafe.created).to.equal(true);
    expect(guardianSafe.account).to.equal(patient.address);
    expect(guardianSafe.threshold).to.equal(2);
    const connection = await stand.connect(relayer, guardianSafe.address);
    expect((await connection.getOwners()).map((owner) => getAddress(owner))).to.have.members(guardians.map((g) => g.address));
    expect(await connection.getThreshold()).to.equal(2);
    expect(await stand.consents.hasRole(await stand.consents.BREAK_GLASS_ROLE(), guardianSafe.address)).to.equal(false);
    // Deterministic per account and guardian set: asking again finds the same Safe.
    const again = await createGuardianSafe({ signer: relayer, account: patient.address, contractNetworks: stand.contractNetworks });
    expect(again).to.include({ address: guardianSafe.address, created: false });
  });

  it("an account without guardians has no guardian Safe (NO_GUARDIANS)", async () => {
    const lonely = await onboard(context.paymaster!, factory);
    expect(await thrown(createGuardianSafe({ signer: relayer, account: lonely.address, contractNetworks: stand.contractNetworks })))
      .to.be.instanceOf(BreakGlassError)
      .and.to.have.property("code", "NO_GUARDIANS");
  });

  it("the patient's account names the guardian Safe its delegate in a sponsored transaction (the key holds no ETH)", async () => {
    const call = setEmergencyDelegateCall(await stand.consents.getAddress(), guardianSafe.address);
    const result = await sendSponsored(context, patient, [call]);
    expect(result.status).to.equal("success");
    expect(await stand.consents.emergencyDelegateOf(patient.address)).to.equal(guardianSafe.address);
    expect(await stand.rpc.getBalance(await patient.owner.getAddress())).to.equal(0n);
    const events = await stand.consents.queryFilter(stand.consents.filters.EmergencyDelegateSet(patient.address));
    expect(events.map((e) => e.args.delegate)).to.deep.equal([guardianSafe.address]);
  });

  it("two guardians open emergency access on their patient's record through the Safe; approvedBy is the guardian Safe", async () => {
    const { proposal, execute } = await guardiansOpen(patientToken);
    const result = await execute();
    expect(result).to.deep.include({ tokenId: patientToken, patient: patient.address, approvedBy: guardianSafe.address, reasonHash: proposal.reasonHash });
    expect(await stand.consents.hasAccessFor(provider.address, patientToken, Scope.READ, Purpose.EMERGENCY)).to.equal(true);
    const [event] = await stand.consents.queryFilter(stand.consents.filters.EmergencyAccessGranted(patientToken));
    expect(event.args.approvedBy).to.equal(guardianSafe.address);
    expect(event.args.patient).to.equal(patient.address);
  });

  it("one guardian is not enough (THRESHOLD_NOT_MET)", async () => {
    const { execute } = await guardiansOpen(patientToken, guardians.slice(2, 3));
    expect(await thrown(execute())).to.be.instanceOf(BreakGlassError).and.to.have.property("code", "THRESHOLD_NOT_MET");
  });

  it("the guardian Safe cannot open another patient's record: the SDK reports NotAuthorized, the chain reverts (GS013)", async () => {
    const { signed, execute } = await guardiansOpen(otherToken);
    const error = await thrown(execute());
    expect(error).to.be.instanceOf(BreakGlassError).and.to.have.property("code", "EXECUTION_FAILED");
    expect((error as Error).message).to.include(`NotAuthorized(${guardianSafe.address})`);

    const { to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver } = signed.data;
    const safe = new Contract(guardianSafe.address, safeInterface, relayer);
    await expect(
      safe.execTransaction(to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver, signed.encodedSignatures()),
    ).to.be.revertedWith("GS013");
    expect(await stand.consents.hasAccess(provider.address, otherToken, Scope.READ)).to.equal(false);
    expect(await stand.consents.queryFilter(stand.consents.filters.EmergencyAccessGranted(otherToken))).to.have.length(0);
  });

  it("after the patient clears its delegate, the guardian Safe is refused", async () => {
    await sendSponsored(context, patient, [setEmergencyDelegateCall(await stand.consents.getAddress(), ZeroAddress)]);
    expect(await stand.consents.emergencyDelegateOf(patient.address)).to.equal(ZeroAddress);
    const { execute } = await guardiansOpen(patientToken);
    const error = await thrown(execute());
    expect(error).to.be.instanceOf(BreakGlassError).and.to.have.property("code", "EXECUTION_FAILED");
    expect((error as Error).message).to.include("NotAuthorized");
  });
});
