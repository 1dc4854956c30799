import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet, ZeroAddress, type Signer } from "ethers";
import { deployWithAccountFixture } from "../helpers/wallet-fixture";
import { guardedAccount, type GuardedAccount } from "../helpers/guarded-account";
import { accountInterface, buildTx, chainState, errorReason, eventsSince, expectRejected, expectUnchanged, expectWouldRevert, random32 } from "../helpers/aa-tx";
import { approveRecovery, cancelRecovery, executeRecovery, proposeRecovery, sendSponsored, setGuardians } from "../../sdk/wallet";

const HOUR = 3600n;
const DELAY = 48n * HOUR;
const LIFETIME = 7n * 24n * HOUR;
const WINDOW = 7n * 24n * HOUR;

const withAccount = deployWithAccountFixture;

/** The owner's sponsored transaction calling the account on itself. */
const selfCall = ({ f, w }: GuardedAccount, fn: string, args: unknown[] = []) =>
  sendSponsored(f.context, w, [{ target: w.address, data: accountInterface.encodeFunctionData(fn, args) }]);

/** A sponsored key rotation signed by `signer` for the account (proves who controls it). */
async function rotateKeySignedBy({ f, w }: GuardedAccount, signer: Signer) {
  const tx = await buildTx(f, signer, w.address, {
    to: await f.patients.getAddress(),
    data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
  });
  return f.transport.submit(tx);
}

/** The stored proposal towards `newOwner` in the current epoch: [proposedAt, executeAfter, approvals]. */
async function proposalOf({ w }: GuardedAccount, newOwner: string): Promise<[bigint, bigint, bigint]> {
  const { proposal } = await w.account.recoveryProposal(newOwner);
  return [proposal.proposedAt, proposal.executeAfter, proposal.approvals];
}

/** The timestamp of the block a transaction response was mined in. */
async function minedAt(response: { wait(): Promise<{ blockNumber: number } | null> }): Promise<bigint> {
  const receipt = await response.wait();
  return BigInt((await ethers.provider.getBlock(receipt!.blockNumber))!.timestamp);
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
      // the first set ends no recovery epoch: there could be no proposal without guardians
      expect(await eventsSince(w.account, "RecoveryCancelled", fromBlock)).to.have.length(0);
      expect(await w.account.recoveryEpoch()).to.equal(0n);
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

    it("a guardian change that applies kills every proposal and vote at once (RecoveryCancelled(epoch))", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2, g3] = f.guardians;
      const [a, b] = [Wallet.createRandom().address, Wallet.createRandom().address];
      await w.account.connect(g1).proposeRecovery(a);
      await w.account.connect(g2).proposeRecovery(b);
      await w.account.connect(g3).approveRecovery(b); // b is scheduled
      await setGuardians(f.context, w, [g2.address, g3.address], 2);
      // only applying the change ends the epoch
      expect((await proposalOf(fx, b))[2]).to.equal(2n);
      await time.increase(DELAY + 1n);
      await expect(w.account.connect(f.signers.relayer).applyGuardianChange())
        .to.emit(w.account, "RecoveryCancelled")
        .withArgs(0)
        .and.to.emit(w.account, "GuardiansChanged");
      expect(await w.account.recoveryEpoch()).to.equal(1n);
      for (const candidate of [a, b]) expect(await proposalOf(fx, candidate)).to.deep.equal([0n, 0n, 0n]);
      for (const g of [g2, g3]) expect(await w.account.recoveryVoteOf(g.address)).to.equal(ZeroAddress);
      await expect(w.account.connect(g2).approveRecovery(b)).to.be.revertedWithCustomError(w.account, "RecoveryNotProposed").withArgs(b);
      await expect(w.account.executeRecovery(b)).to.be.revertedWithCustomError(w.account, "RecoveryNotProposed").withArgs(b);
      expect(await w.account.owner()).to.equal(w.owner.address);
    });
  });

  describe("proposals per new owner", () => {
    it("one guardian's bad proposal does not stop the other two (2 of 3) from recovering to the right owner after the time lock", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [rogue, g2, g3] = f.guardians;
      const attacker = Wallet.createRandom().address;
      const right = f.newOwner();
      await w.account.connect(rogue).proposeRecovery(attacker);
      // the honest guardians propose and approve the right owner meanwhile
      await expect(w.account.connect(g2).proposeRecovery(right.address))
        .to.emit(w.account, "RecoveryProposed")
        .and.to.emit(w.account, "RecoveryApproved")
        .withArgs(0, g2.address, right.address, 1);
      const approval = await w.account.connect(g3).approveRecovery(right.address);
      const executeAfter = (await minedAt(approval)) + DELAY;
      await expect(approval).to.emit(w.account, "RecoveryScheduled").withArgs(0, right.address, executeAfter);
      // the rogue proposal holds one vote and is never ready
      expect((await proposalOf(fx, attacker)).slice(1)).to.deep.equal([0n, 1n]);
      await time.increaseTo(executeAfter);
      await expect(w.account.connect(f.signers.outsider).executeRecovery(attacker))
        .to.be.revertedWithCustomError(w.account, "RecoveryNotReady")
        .withArgs(attacker, 0);
      await executeRecovery(f.signers.outsider, w.address, right.address);
      expect(await w.account.owner()).to.equal(right.address);
      expect((await rotateKeySignedBy(fx, right)).status).to.equal("success");
    });

    it("lets a guardian correct a typo by moving its vote (RecoveryVoteWithdrawn), by proposing or approving another owner", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2] = f.guardians;
      const typo = Wallet.createRandom().address;
      const right = Wallet.createRandom().address;
      await proposeRecovery(g1, w.address, typo);
      await approveRecovery(g2, w.address, typo); // g2 approved the typo too: scheduled
      expect((await proposalOf(fx, typo))[1]).to.not.equal(0n);
      // g1 proposes the right owner: its vote leaves the typo, which drops below the threshold
      await expect(w.account.connect(g1).proposeRecovery(right))
        .to.emit(w.account, "RecoveryVoteWithdrawn")
        .withArgs(0, g1.address, typo, 1)
        .and.to.emit(w.account, "RecoveryUnscheduled")
        .withArgs(0, typo)
        .and.to.emit(w.account, "RecoveryApproved")
        .withArgs(0, g1.address, right, 1);
      expect(await w.account.recoveryVoteOf(g1.address)).to.equal(right);
      // g2 approves the right owner: its vote moves as well, and the right owner is scheduled
      await expect(w.account.connect(g2).approveRecovery(right))
        .to.emit(w.account, "RecoveryVoteWithdrawn")
        .withArgs(0, g2.address, typo, 0)
        .and.to.emit(w.account, "RecoveryScheduled");
      expect((await proposalOf(fx, typo)).slice(1)).to.deep.equal([0n, 0n]);
      expect((await proposalOf(fx, right))[2]).to.equal(2n);
      await time.increase(DELAY);
      await executeRecovery(f.signers.relayer, w.address, right);
      expect(await w.account.owner()).to.equal(right);
    });

    it("unschedules a proposal that drops below the threshold; regaining it restarts the 48 h delay", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2, g3] = f.guardians;
      const right = Wallet.createRandom().address;
      await w.account.connect(g1).proposeRecovery(right);
      await w.account.connect(g2).approveRecovery(right);
      await time.increase(DELAY - HOUR);
      await expect(w.account.connect(g2).withdrawRecoveryVote())
        .to.emit(w.account, "RecoveryVoteWithdrawn")
        .withArgs(0, g2.address, right, 1)
        .and.to.emit(w.account, "RecoveryUnscheduled")
        .withArgs(0, right);
      expect(await w.account.recoveryVoteOf(g2.address)).to.equal(ZeroAddress);
      await expect(w.account.connect(g2).withdrawRecoveryVote()).to.be.revertedWithCustomError(w.account, "NoRecoveryVote").withArgs(g2.address);
      await time.increase(2n * HOUR);
      await expect(w.account.executeRecovery(right)).to.be.revertedWithCustomError(w.account, "RecoveryNotReady").withArgs(right, 0);
      const regained = await w.account.connect(g3).approveRecovery(right);
      const executeAfter = (await minedAt(regained)) + DELAY;
      await expect(regained).to.emit(w.account, "RecoveryScheduled").withArgs(0, right, executeAfter);
      await time.setNextBlockTimestamp(executeAfter - 1n);
      await expect(w.account.executeRecovery(right)).to.be.revertedWithCustomError(w.account, "RecoveryNotReady").withArgs(right, executeAfter);
      await time.setNextBlockTimestamp(executeAfter);
      await expect(w.account.executeRecovery(right)).to.emit(w.account, "RecoveryExecuted").withArgs(0, w.owner.address, right);
    });

    it("never counts a guardian twice (AlreadyApproved, RecoveryAlreadyProposed), also across moves", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2] = f.guardians;
      const right = Wallet.createRandom().address;
      const other = Wallet.createRandom().address;
      await w.account.connect(g1).proposeRecovery(right);
      await expect(w.account.connect(g1).approveRecovery(right)).to.be.revertedWithCustomError(w.account, "AlreadyApproved").withArgs(g1.address);
      await expect(w.account.connect(g1).proposeRecovery(right))
        .to.be.revertedWithCustomError(w.account, "RecoveryAlreadyProposed")
        .withArgs(right);
      await expect(w.account.connect(g2).proposeRecovery(right))
        .to.be.revertedWithCustomError(w.account, "RecoveryAlreadyProposed")
        .withArgs(right);
      // g1 moves away and back: still one vote
      await w.account.connect(g1).proposeRecovery(other);
      await w.account.connect(g1).approveRecovery(right);
      expect((await proposalOf(fx, right))[2]).to.equal(1n);
      expect((await proposalOf(fx, other))[2]).to.equal(0n);
      expect((await proposalOf(fx, right))[1]).to.equal(0n);
      await time.increase(DELAY * 2n);
      await expect(w.account.executeRecovery(right)).to.be.revertedWithCustomError(w.account, "RecoveryNotReady").withArgs(right, 0);
    });

    it("refuses non-guardians (NotGuardian), bad new owners (InvalidNewOwner) and approving or executing nothing (RecoveryNotProposed)", async () => {
      const { f, w } = await loadFixture(guardedAccount);
      const [g1] = f.guardians;
      const newOwner = Wallet.createRandom().address;
      for (const nonGuardian of [f.signers.outsider, f.signers.deployer]) {
        const account = w.account.connect(nonGuardian);
        for (const call of [() => account.proposeRecovery(newOwner), () => account.approveRecovery(newOwner), () => account.withdrawRecoveryVote()]) {
          await expect(call()).to.be.revertedWithCustomError(w.account, "NotGuardian").withArgs(nonGuardian.address);
        }
      }
      for (const candidate of [ZeroAddress, w.owner.address, w.address]) {
        await expect(w.account.connect(g1).proposeRecovery(candidate)).to.be.revertedWithCustomError(w.account, "InvalidNewOwner").withArgs(candidate);
      }
      await expect(w.account.connect(g1).approveRecovery(newOwner)).to.be.revertedWithCustomError(w.account, "RecoveryNotProposed").withArgs(newOwner);
      await expect(w.account.executeRecovery(newOwner)).to.be.revertedWithCustomError(w.account, "RecoveryNotProposed").withArgs(newOwner);
      await expect(w.account.connect(g1).withdrawRecoveryVote()).to.be.revertedWithCustomError(w.account, "NoRecoveryVote").withArgs(g1.address);
      expect(await w.account.recoveryProposal(newOwner)).to.deep.equal([[0n, 0n, 0n], 0n]);
    });
  });

  describe("expiry", () => {
    it("expires a proposal not scheduled within 7 days: approvals refused (RecoveryExpired); proposing again restarts it from zero", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2, g3] = f.guardians;
      const right = Wallet.createRandom().address;
      const proposedAt = await minedAt(await w.account.connect(g1).proposeRecovery(right));
      const expiresAt = proposedAt + LIFETIME;
      expect(await w.account.recoveryProposal(right)).to.deep.equal([[proposedAt, 0n, 1n], expiresAt]);
      await time.setNextBlockTimestamp(expiresAt);
      await expect(w.account.connect(g2).approveRecovery(right))
        .to.be.revertedWithCustomError(w.account, "RecoveryExpired")
        .withArgs(right, expiresAt);
      expect(await w.account.recoveryVoteOf(g1.address)).to.equal(ZeroAddress);
      // g2 restarts it; g1's old vote does not count, it must vote again
      const restarted = await w.account.connect(g2).proposeRecovery(right);
      await expect(restarted).to.emit(w.account, "RecoveryApproved").withArgs(0, g2.address, right, 1);
      expect((await proposalOf(fx, right))[2]).to.equal(1n);
      await expect(w.account.connect(g1).approveRecovery(right)).to.emit(w.account, "RecoveryScheduled");
      expect((await proposalOf(fx, right))[2]).to.equal(2n);
      // a third guardian's approval does not move the time lock
      const [, executeAfter] = await proposalOf(fx, right);
      await w.account.connect(g3).approveRecovery(right);
      expect((await proposalOf(fx, right))[1]).to.equal(executeAfter);
    });

    it("expires a scheduled proposal not executed within 7 days of executeAfter (RecoveryExpired); proposing again restarts it", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2] = f.guardians;
      const right = Wallet.createRandom().address;
      await w.account.connect(g1).proposeRecovery(right);
      const executeAfter = (await minedAt(await w.account.connect(g2).approveRecovery(right))) + DELAY;
      const expiresAt = executeAfter + WINDOW;
      expect((await w.account.recoveryProposal(right)).expiresAt).to.equal(expiresAt);
      await time.setNextBlockTimestamp(expiresAt);
      await expect(w.account.executeRecovery(right)).to.be.revertedWithCustomError(w.account, "RecoveryExpired").withArgs(right, expiresAt);
      expect(await w.account.owner()).to.equal(w.owner.address);
      await expect(w.account.connect(g2).proposeRecovery(right)).to.emit(w.account, "RecoveryProposed");
      expect((await proposalOf(fx, right)).slice(1)).to.deep.equal([0n, 1n]);
    });

    it("executes on the last second of the window", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2] = f.guardians;
      const right = Wallet.createRandom().address;
      await w.account.connect(g1).proposeRecovery(right);
      const executeAfter = (await minedAt(await w.account.connect(g2).approveRecovery(right))) + DELAY;
      await time.setNextBlockTimestamp(executeAfter + WINDOW - 1n);
      await expect(w.account.executeRecovery(right)).to.emit(w.account, "OwnerChanged").withArgs(w.owner.address, right);
    });
  });

  describe("cancel and execution end the epoch", () => {
    it("waits 48 h after the threshold (RecoveryNotReady); then the new owner controls the account and the old one is refused", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2] = f.guardians;
      const newOwner = f.newOwner();
      await w.account.connect(g1).proposeRecovery(newOwner.address);
      const executeAfter = (await minedAt(await w.account.connect(g2).approveRecovery(newOwner.address))) + DELAY;
      const anyone = w.account.connect(f.signers.outsider);
      await expect(anyone.executeRecovery(newOwner.address))
        .to.be.revertedWithCustomError(w.account, "RecoveryNotReady")
        .withArgs(newOwner.address, executeAfter);
      // the old owner still controls the account meanwhile
      expect((await rotateKeySignedBy(fx, w.owner)).status).to.equal("success");
      await time.setNextBlockTimestamp(executeAfter - 1n);
      await expect(anyone.executeRecovery(newOwner.address)).to.be.revertedWithCustomError(w.account, "RecoveryNotReady");
      await time.setNextBlockTimestamp(executeAfter);
      await expect(anyone.executeRecovery(newOwner.address))
        .to.emit(w.account, "RecoveryExecuted")
        .withArgs(0, w.owner.address, newOwner.address)
        .and.to.emit(w.account, "OwnerChanged")
        .withArgs(w.owner.address, newOwner.address);
      expect(await w.account.owner()).to.equal(newOwner.address);
      expect(await w.account.recoveryEpoch()).to.equal(1n);

      const before = await chainState(f, [w.address]);
      await expectRejected(rotateKeySignedBy(fx, w.owner), "validation", /not the magic value/);
      await expectUnchanged(f, before);
      expect((await rotateKeySignedBy(fx, newOwner)).status).to.equal("success");
      await expect(anyone.executeRecovery(newOwner.address)).to.be.revertedWithCustomError(w.account, "RecoveryNotProposed");
    });

    it("executing one proposal kills the others (their votes lapse with the epoch)", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2, g3] = f.guardians;
      const [right, other] = [Wallet.createRandom().address, Wallet.createRandom().address];
      await w.account.connect(g1).proposeRecovery(other);
      await w.account.connect(g2).proposeRecovery(right);
      await w.account.connect(g3).approveRecovery(right);
      await time.increase(DELAY);
      await executeRecovery(f.signers.relayer, w.address, right);
      expect(await proposalOf(fx, other)).to.deep.equal([0n, 0n, 0n]);
      expect(await w.account.recoveryVoteOf(g1.address)).to.equal(ZeroAddress);
      await expect(w.account.connect(g2).approveRecovery(other)).to.be.revertedWithCustomError(w.account, "RecoveryNotProposed").withArgs(other);
      // the new epoch starts from nothing: g1 proposes again, alone
      await expect(w.account.connect(g1).proposeRecovery(other)).to.emit(w.account, "RecoveryApproved").withArgs(1, g1.address, other, 1);
    });

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
      await time.increase(DELAY);
      await expect(w.account.connect(f.signers.relayer).executeRecovery(newOwner))
        .to.emit(w.account, "GuardianChangeCancelled")
        .and.to.emit(w.account, "OwnerChanged")
        .withArgs(w.owner.address, newOwner);
      expect((await w.account.pendingGuardianChange()).executeAfter).to.equal(0n);
      await time.increase(DELAY);
      await expect(w.account.applyGuardianChange()).to.be.revertedWithCustomError(w.account, "NoGuardianChange");
      expect(await w.account.guardians()).to.deep.equal(f.guardians.map((g) => g.address));
    });

    it("lets the owner cancel every proposal at once through a sponsored transaction (RecoveryCancelled(epoch))", async () => {
      const fx = await loadFixture(guardedAccount);
      const { f, w } = fx;
      const [g1, g2, g3] = f.guardians;
      const [a, b] = [Wallet.createRandom().address, Wallet.createRandom().address];
      await w.account.connect(g1).proposeRecovery(a);
      await w.account.connect(g2).proposeRecovery(b);
      await w.account.connect(g3).approveRecovery(b);
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      const result = await cancelRecovery(f.context, w);
      expect(result.status).to.equal("success");
      expect((await eventsSince(w.account, "RecoveryCancelled", fromBlock)).map((args) => args.epoch)).to.deep.equal([0n]);
      expect(await w.account.recoveryEpoch()).to.equal(1n);
      for (const candidate of [a, b]) expect(await proposalOf(fx, candidate)).to.deep.equal([0n, 0n, 0n]);
      await time.increase(DELAY + 1n);
      await expect(w.account.executeRecovery(b)).to.be.revertedWithCustomError(w.account, "RecoveryNotProposed").withArgs(b);
      expect(await w.account.owner()).to.equal(w.owner.address);
      expect(await ethers.provider.getBalance(w.address)).to.equal(0n);
      // old approvals do not count in the new epoch; and a cancel with nothing open still succeeds
      await expect(w.account.connect(g2).proposeRecovery(b)).to.emit(w.account, "RecoveryApproved").withArgs(1, g2.address, b, 1);
      await cancelRecovery(f.context, w);
      expect((await cancelRecovery(f.context, w)).status).to.equal("success");
      expect(await w.account.recoveryEpoch()).to.equal(3n);
    });
  });
});
