import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet, ZeroAddress, type Signer } from "ethers";
import { deployWalletsFixture, deployWithAccountFixture } from "../helpers/wallet-fixture";
import { accountInterface, buildTx, chainState, errorReason, eventsSince, expectRejected, expectUnchanged, expectWouldRevert, random32 } from "../helpers/aa-tx";
import { cancelRecovery, sendSponsored, setGuardians } from "../../sdk/wallet";

const DELAY = 48n * 3600n;

const withAccount = deployWithAccountFixture;

/** An onboarded account whose guardians are the fixture's three, threshold 2 (set through a sponsored transaction). */
async function guardedAccount() {
  const f = await deployWalletsFixture();
  const owner = f.newOwner();
  const w = { ...(await f.onboard(owner)), owner };
  await setGuardians(f.context, w, f.guardians.map((g) => g.address), 2);
  return { f, w };
}

type Fixture = Awaited<ReturnType<typeof guardedAccount>>;

/** The owner's sponsored transaction calling the account on itself. */
const selfCall = ({ f, w }: Fixture, fn: string, args: unknown[] = []) =>
  sendSponsored(f.context, w, [{ target: w.address, data: accountInterface.encodeFunctionData(fn, args) }]);

/** A sponsored key rotation signed by `signer` for the account (proves who controls it). */
async function rotateKeySignedBy({ f, w }: Fixture, signer: Signer) {
  const tx = await buildTx(f, signer, w.address, {
    to: await f.patients.getAddress(),
    data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
  });
  return f.transport.submit(tx);
}

describe("aa-wallets: guardians and recovery", () => {
  describe("guardian set", () => {
    it("sets the first guardians at once through a sponsored transaction (GuardiansChanged)", async () => {
      const { f, w } = await loadFixture(withAccount);
      const addresses = f.guardians.map((g) => g.address);
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      const result = await setGuardians(f.context, w, addresses, 2);
      expect(result.status).to.equal("success");
      const changed = await eventsSince(w.account, "GuardiansChanged", fromBlock);
      expect(changed.map((args) => [[...args.guardians], args.threshold])).to.deep.equal([[addresses, 2n]]);
      expect(await w.account.guardians()).to.deep.equal(addresses);
      expect(await w.account.threshold()).to.equal(2n);
      for (const g of f.guardians) expect(await w.account.isGuardian(g.address)).to.equal(true);
      expect(await w.account.isGuardian(f.signers.outsider.address)).to.equal(false);
      expect((await w.account.pendingGuardianChange()).executeAfter).to.equal(0n);
      expect(await ethers.provider.getBalance(w.address)).to.equal(0n);
    });

    it("refuses invalid guardian sets: empty, > 16, duplicate, zero, owner, the account itself, threshold 0 or > n", async () => {
      const { f, w } = await loadFixture(withAccount);
      const [a, b, c] = f.guardians.map((g) => g.address);
      const seventeen = Array.from({ length: 17 }, () => Wallet.createRandom().address);
      const cases: [string[], number, RegExp][] = [
        [[], 1, errorReason("InvalidGuardians")],
        [seventeen, 1, errorReason("InvalidGuardians")],
        [[a, b, a], 2, errorReason("InvalidGuardians")],
        [[a, ZeroAddress], 1, errorReason("InvalidGuardians")],
        [[a, w.owner.address], 1, errorReason("InvalidGuardians")],
        [[a, w.address], 1, errorReason("InvalidGuardians")],
        [[a, b, c], 0, errorReason("InvalidThreshold", 0, 3)],
        [[a, b, c], 4, errorReason("InvalidThreshold", 4, 3)],
      ];
      const before = await chainState(f, [w.address]);
      for (const [guardians, threshold, reason] of cases) {
        // the estimate runs it and refuses: nothing is sent, nothing paid
        await expectWouldRevert(setGuardians(f.context, w, guardians, threshold), reason);
      }
      await expectUnchanged(f, before);
      expect(await w.account.guardians()).to.deep.equal([]);
      expect(await w.account.threshold()).to.equal(0n);
      // the boundary: 16 guardians, threshold 16, is accepted
      const sixteen = seventeen.slice(0, 16);
      await setGuardians(f.context, w, sixteen, 16);
      expect(await w.account.guardians()).to.deep.equal(sixteen);
      expect(await w.account.threshold()).to.equal(16n);
    });

    it("time-locks a change of an existing set (GuardianChangeNotReady), then anyone applies it", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2, g3] = f.guardians;
      const next = [g2.address, g3.address, f.signers.outsider.address];
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      const result = await setGuardians(f.context, w, next, 3);
      const [proposed] = await eventsSince(w.account, "GuardianChangeProposed", fromBlock);
      const executeAfter = proposed.executeAfter as bigint;
      const proposedAt = BigInt((await ethers.provider.getBlock(result.blockNumber))!.timestamp);
      expect([...proposed.guardians]).to.deep.equal(next);
      expect(proposed.threshold).to.equal(3n);
      expect(executeAfter).to.equal(proposedAt + DELAY);
      expect(await eventsSince(w.account, "GuardiansChanged", fromBlock)).to.have.length(0);
      expect(await w.account.guardians()).to.deep.equal(f.guardians.map((g) => g.address));
      const pending = await w.account.pendingGuardianChange();
      expect([...pending.guardians]).to.deep.equal(next);
      expect(pending.executeAfter).to.equal(executeAfter);

      const anyone = w.account.connect(f.signers.relayer);
      await time.setNextBlockTimestamp(executeAfter - 1n);
      await expect(anyone.applyGuardianChange()).to.be.revertedWithCustomError(w.account, "GuardianChangeNotReady").withArgs(executeAfter);
      await time.setNextBlockTimestamp(executeAfter);
      await expect(anyone.applyGuardianChange()).to.emit(w.account, "GuardiansChanged").withArgs(next, 3);
      expect(await w.account.guardians()).to.deep.equal(next);
      expect(await w.account.threshold()).to.equal(3n);
      expect(await w.account.isGuardian(g1.address)).to.equal(false);
      expect(await w.account.isGuardian(f.signers.outsider.address)).to.equal(true);
      expect((await w.account.pendingGuardianChange()).executeAfter).to.equal(0n);
      await expect(anyone.applyGuardianChange()).to.be.revertedWithCustomError(w.account, "NoGuardianChange");
      // the removed guardian lost its powers
      await expect(w.account.connect(g1).proposeRecovery(Wallet.createRandom().address))
        .to.be.revertedWithCustomError(w.account, "NotGuardian")
        .withArgs(g1.address);
    });

    it("lets the owner cancel a pending guardian change (GuardianChangeCancelled)", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      await expectWouldRevert(selfCall(fx, "cancelGuardianChange"), errorReason("NoGuardianChange"));
      await setGuardians(f.context, w, [f.signers.outsider.address], 1);
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      await selfCall(fx, "cancelGuardianChange");
      expect(await eventsSince(w.account, "GuardianChangeCancelled", fromBlock)).to.have.length(1);
      expect((await w.account.pendingGuardianChange()).executeAfter).to.equal(0n);
      await time.increase(DELAY + 1n);
      await expect(w.account.connect(f.signers.relayer).applyGuardianChange()).to.be.revertedWithCustomError(w.account, "NoGuardianChange");
      expect(await w.account.guardians()).to.deep.equal(f.guardians.map((g) => g.address));
    });

    it("cancels a pending recovery when a guardian change applies (RecoveryCancelled)", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2, g3] = f.guardians;
      const newOwner = Wallet.createRandom().address;
      await w.account.connect(g1).proposeRecovery(newOwner);
      const round = (await w.account.pendingRecovery()).round;
      await setGuardians(f.context, w, [g2.address, g3.address], 2);
      // only applying the change cancels the recovery
      expect((await w.account.pendingRecovery()).newOwner).to.equal(newOwner);
      await time.increase(DELAY + 1n);
      await expect(w.account.connect(f.signers.relayer).applyGuardianChange())
        .to.emit(w.account, "RecoveryCancelled")
        .withArgs(round)
        .and.to.emit(w.account, "GuardiansChanged");
      expect((await w.account.pendingRecovery()).newOwner).to.equal(ZeroAddress);
      await expect(w.account.connect(g2).approveRecovery(newOwner)).to.be.revertedWithCustomError(w.account, "NoRecovery");
      await expect(w.account.executeRecovery()).to.be.revertedWithCustomError(w.account, "NoRecovery");
      expect(await w.account.owner()).to.equal(w.owner.address);
    });
  });

  describe("recovery", () => {
    it("cancels a guardian change the replaced owner had queued (GuardianChangeCancelled)", async () => {
      const { f, w } = await loadFixture(guardedAccount);
      const [g1, g2] = f.guardians;
      const newOwner = Wallet.createRandom().address;
      // A thief holding the old key queues guardians of its own…
      await setGuardians(f.context, w, [f.signers.outsider.address], 1);
      expect((await w.account.pendingGuardianChange()).executeAfter).to.not.equal(0n);
      // …while the real guardians recover the account before that change applies.
      await w.account.connect(g1).proposeRecovery(newOwner);
      await w.account.connect(g2).approveRecovery(newOwner);
      const { executeAfter } = await w.account.pendingRecovery();
      await time.increaseTo(executeAfter);
      await expect(w.account.connect(f.signers.relayer).executeRecovery())
        .to.emit(w.account, "GuardianChangeCancelled")
        .and.to.emit(w.account, "OwnerChanged")
        .withArgs(w.owner.address, newOwner);
      expect((await w.account.pendingGuardianChange()).executeAfter).to.equal(0n);
      await time.increase(DELAY);
      await expect(w.account.applyGuardianChange()).to.be.revertedWithCustomError(w.account, "NoGuardianChange");
      expect(await w.account.guardians()).to.deep.equal(f.guardians.map((g) => g.address));
    });

    it("is not ready below the threshold (RecoveryNotReady(0)) and emits RecoveryProposed / RecoveryApproved", async () => {
      const { f, w } = await loadFixture(guardedAccount);
      const [g1] = f.guardians;
      const newOwner = Wallet.createRandom().address;
      await expect(w.account.connect(g1).proposeRecovery(newOwner))
        .to.emit(w.account, "RecoveryProposed")
        .withArgs(1, g1.address, newOwner)
        .and.to.emit(w.account, "RecoveryApproved")
        .withArgs(1, g1.address, 1)
        .and.not.to.emit(w.account, "RecoveryScheduled");
      const pending = await w.account.pendingRecovery();
      expect([pending.newOwner, pending.executeAfter, pending.approvals, pending.round]).to.deep.equal([newOwner, 0n, 1n, 1n]);
      await time.increase(DELAY * 10n);
      await expect(w.account.connect(f.signers.outsider).executeRecovery())
        .to.be.revertedWithCustomError(w.account, "RecoveryNotReady")
        .withArgs(0);
      expect(await w.account.owner()).to.equal(w.owner.address);
    });

    it("waits 48 h after the threshold (RecoveryNotReady(executeAfter)); then the new owner controls the account and the old one is refused", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2, g3] = f.guardians;
      const newOwner = f.newOwner();
      await w.account.connect(g1).proposeRecovery(newOwner.address);
      const approval = await w.account.connect(g2).approveRecovery(newOwner.address);
      const approvedAt = BigInt((await ethers.provider.getBlock((await approval.wait())!.blockNumber))!.timestamp);
      const executeAfter = approvedAt + DELAY;
      await expect(approval).to.emit(w.account, "RecoveryScheduled").withArgs(1, newOwner.address, executeAfter);
      expect((await w.account.pendingRecovery()).executeAfter).to.equal(executeAfter);
      // a third approval does not move the time lock
      await w.account.connect(g3).approveRecovery(newOwner.address);
      expect((await w.account.pendingRecovery()).executeAfter).to.equal(executeAfter);

      const anyone = w.account.connect(f.signers.outsider);
      await expect(anyone.executeRecovery()).to.be.revertedWithCustomError(w.account, "RecoveryNotReady").withArgs(executeAfter);
      // the old owner still controls the account meanwhile
      expect((await rotateKeySignedBy(fx, w.owner)).status).to.equal("success");
      await time.setNextBlockTimestamp(executeAfter - 1n);
      await expect(anyone.executeRecovery()).to.be.revertedWithCustomError(w.account, "RecoveryNotReady").withArgs(executeAfter);

      await time.setNextBlockTimestamp(executeAfter);
      await expect(anyone.executeRecovery())
        .to.emit(w.account, "RecoveryExecuted")
        .withArgs(1, w.owner.address, newOwner.address)
        .and.to.emit(w.account, "OwnerChanged")
        .withArgs(w.owner.address, newOwner.address);
      expect(await w.account.owner()).to.equal(newOwner.address);
      expect((await w.account.pendingRecovery()).newOwner).to.equal(ZeroAddress);

      const before = await chainState(f, [w.address]);
      // the account withholds the magic value for the old owner's signature; the bootloader rejects it
      await expectRejected(rotateKeySignedBy(fx, w.owner), "validation", /^account returned 0x00000000, not the magic value$/);
      await expectUnchanged(f, before);
      const byNewOwner = await rotateKeySignedBy(fx, newOwner);
      expect(byNewOwner.status).to.equal("success");
      expect(await f.transport.nonceOf(w.address)).to.equal(before.nonces[w.address] + 1n);
      await expect(anyone.executeRecovery()).to.be.revertedWithCustomError(w.account, "NoRecovery");
    });

    it("lets the owner cancel through a sponsored transaction (RecoveryCancelled); executeRecovery then finds nothing", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2] = f.guardians;
      await expectWouldRevert(cancelRecovery(f.context, w), errorReason("NoRecovery"));
      const newOwner = Wallet.createRandom().address;
      await w.account.connect(g1).proposeRecovery(newOwner);
      await w.account.connect(g2).approveRecovery(newOwner);
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      const result = await cancelRecovery(f.context, w);
      expect(result.status).to.equal("success");
      expect((await eventsSince(w.account, "RecoveryCancelled", fromBlock)).map((args) => args.round)).to.deep.equal([1n]);
      expect((await w.account.pendingRecovery()).newOwner).to.equal(ZeroAddress);
      await time.increase(DELAY + 1n);
      await expect(w.account.executeRecovery()).to.be.revertedWithCustomError(w.account, "NoRecovery");
      expect(await w.account.owner()).to.equal(w.owner.address);
      expect(await ethers.provider.getBalance(w.address)).to.equal(0n);
    });

    it("needs fresh approvals in a new round after a cancel (old approvals do not count)", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2, g3] = f.guardians;
      const newOwner = Wallet.createRandom().address;
      await w.account.connect(g1).proposeRecovery(newOwner);
      await w.account.connect(g2).approveRecovery(newOwner);
      await cancelRecovery(f.context, w);

      await expect(w.account.connect(g3).proposeRecovery(newOwner))
        .to.emit(w.account, "RecoveryProposed")
        .withArgs(2, g3.address, newOwner)
        .and.to.emit(w.account, "RecoveryApproved")
        .withArgs(2, g3.address, 1);
      const pending = await w.account.pendingRecovery();
      expect([pending.round, pending.approvals, pending.executeAfter]).to.deep.equal([2n, 1n, 0n]);
      await time.increase(DELAY + 1n);
      await expect(w.account.executeRecovery()).to.be.revertedWithCustomError(w.account, "RecoveryNotReady").withArgs(0);
      // g2 approved round 1, not round 2: it may approve again, and that schedules round 2
      await expect(w.account.connect(g2).approveRecovery(newOwner))
        .to.emit(w.account, "RecoveryApproved")
        .withArgs(2, g2.address, 2)
        .and.to.emit(w.account, "RecoveryScheduled");
      await expect(w.account.executeRecovery()).to.be.revertedWithCustomError(w.account, "RecoveryNotReady");
      expect(await w.account.owner()).to.equal(w.owner.address);
    });

    it("refuses non-guardians (NotGuardian) and double approvals (AlreadyApproved)", async () => {
      const { f, w } = await loadFixture(guardedAccount);
      const [g1, g2] = f.guardians;
      const outsider = f.signers.outsider;
      const newOwner = Wallet.createRandom().address;
      for (const nonGuardian of [outsider, f.signers.deployer]) {
        await expect(w.account.connect(nonGuardian).proposeRecovery(newOwner))
          .to.be.revertedWithCustomError(w.account, "NotGuardian")
          .withArgs(nonGuardian.address);
      }
      await w.account.connect(g1).proposeRecovery(newOwner);
      await expect(w.account.connect(outsider).approveRecovery(newOwner))
        .to.be.revertedWithCustomError(w.account, "NotGuardian")
        .withArgs(outsider.address);
      await expect(w.account.connect(g1).approveRecovery(newOwner))
        .to.be.revertedWithCustomError(w.account, "AlreadyApproved")
        .withArgs(g1.address);
      await w.account.connect(g2).approveRecovery(newOwner);
      await expect(w.account.connect(g2).approveRecovery(newOwner))
        .to.be.revertedWithCustomError(w.account, "AlreadyApproved")
        .withArgs(g2.address);
      expect((await w.account.pendingRecovery()).approvals).to.equal(2n);
    });

    it("refuses approving another new owner (RecoveryOwnerMismatch), a second proposal (RecoveryPending) and approving nothing (NoRecovery)", async () => {
      const { f, w } = await loadFixture(guardedAccount);
      const [g1, g2] = f.guardians;
      const newOwner = Wallet.createRandom().address;
      const other = Wallet.createRandom().address;
      await expect(w.account.connect(g2).approveRecovery(newOwner)).to.be.revertedWithCustomError(w.account, "NoRecovery");
      await w.account.connect(g1).proposeRecovery(newOwner);
      await expect(w.account.connect(g2).approveRecovery(other))
        .to.be.revertedWithCustomError(w.account, "RecoveryOwnerMismatch")
        .withArgs(newOwner);
      await expect(w.account.connect(g2).proposeRecovery(other))
        .to.be.revertedWithCustomError(w.account, "RecoveryPending")
        .withArgs(newOwner);
      const pending = await w.account.pendingRecovery();
      expect([pending.newOwner, pending.approvals, pending.executeAfter]).to.deep.equal([newOwner, 1n, 0n]);
    });

    it("refuses proposing the zero address or the current owner (InvalidNewOwner)", async () => {
      const { f, w } = await loadFixture(guardedAccount);
      const [g1] = f.guardians;
      for (const candidate of [ZeroAddress, w.owner.address]) {
        await expect(w.account.connect(g1).proposeRecovery(candidate))
          .to.be.revertedWithCustomError(w.account, "InvalidNewOwner")
          .withArgs(candidate);
      }
      expect((await w.account.pendingRecovery()).newOwner).to.equal(ZeroAddress);
    });
  });
});
