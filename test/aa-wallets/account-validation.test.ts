import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, dataSlice, parseEther } from "ethers";
import { deployWithAccountFixture } from "../helpers/wallet-fixture";
import {
  buildTx,
  chainState,
  errorReason,
  expectRejected,
  expectUnchanged,
  malleate,
  padded,
  random32,
  truncated,
  withV,
  accountInterface,
  RAW_TX_GAS_LIMIT,
} from "../helpers/aa-tx";
import { toSystemTransaction, transactionHash, signedDigest, type SignedAaTransaction } from "../../sdk/wallet";
import { sendAs, simulate } from "../../era-test-node/bootloader/impersonation";
import { decodeRevert } from "../../era-test-node/bootloader/revert-reason";
import { SystemAddress } from "../../era-test-node/bootloader/system-addresses";
import { NonceHolderDouble__factory, TestPatientAccount__factory } from "../../sdk/chain/contracts";

const withAccount = deployWithAccountFixture;

/** `validateTransaction`'s selector: the magic value an account returns on success. */
const ACCOUNT_MAGIC = accountInterface.getFunction("validateTransaction")!.selector;

type Fixture = Awaited<ReturnType<typeof withAccount>>;

/** A sponsored key rotation from the account (a harmless, allow-listed call), signed by the owner. */
async function rotation({ f, w }: Fixture, overrides: { nonce?: bigint; paymaster?: null } = {}) {
  const newKey = random32();
  const tx = await buildTx(f, w.owner, w.address, {
    to: await f.patients.getAddress(),
    data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [newKey]),
    ...overrides,
  });
  return { tx, newKey };
}

describe("aa-wallets: PatientAccount validation", () => {
  describe("signatures", () => {
    // validateTransaction answers bytes4(0) for any bad signature instead of reverting (zkSync validates without a
    // real signature to estimate fees); the bootloader, and the driver, reject the transaction for the missing magic.
    const MISSING_MAGIC = /^account returned 0x00000000, not the magic value$/;

    /** What validateTransaction answers for `tx`, called by the bootloader in a simulation (its nonce is the next one). */
    async function validationAnswer(tx: SignedAaTransaction): Promise<{ ok: boolean; result: string }> {
      const data = accountInterface.encodeFunctionData("validateTransaction", [transactionHash(tx), signedDigest(tx), toSystemTransaction(tx)]);
      const outcome = await simulate(ethers.provider, { from: SystemAddress.BOOTLOADER, to: tx.from, data });
      return outcome.ok ? { ok: true, result: dataSlice(outcome.returnData, 0, 4) } : { ok: false, result: decodeRevert(outcome.revertData) };
    }

    /** Expects magic 0 without a revert, then a rejection at validation that changes nothing. */
    async function expectRefusedSignature({ f, w }: Fixture, tx: SignedAaTransaction) {
      expect(await validationAnswer(tx)).to.deep.equal({ ok: true, result: "0x00000000" });
      const before = await chainState(f, [w.address]);
      await expectRejected(f.transport.submit(tx), "validation", MISSING_MAGIC);
      await expectUnchanged(f, before);
    }

    it("answers the magic value for the owner's signature (the check below is not vacuous)", async () => {
      const fx = await loadFixture(withAccount);
      const { tx } = await rotation(fx);
      expect(await validationAnswer(tx)).to.deep.equal({ ok: true, result: ACCOUNT_MAGIC });
    });

    it("answers magic 0 for a transaction signed by another key; the driver rejects it at validation, nothing changed", async () => {
      const fx = await loadFixture(withAccount);
      const { f, w } = fx;
      const intruder = f.newOwner();
      const tx = await buildTx(f, intruder, w.address, {
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
      });
      await expectRefusedSignature(fx, tx);
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(w.encryptionKey);
    });

    it("answers magic 0 for the high-s twin of a valid signature, then accepts the original", async () => {
      const fx = await loadFixture(withAccount);
      const { f, w } = fx;
      const { tx, newKey } = await rotation(fx);
      await expectRefusedSignature(fx, { ...tx, signature: malleate(tx.signature) });
      expect((await f.transport.submit(tx)).status).to.equal("success");
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(newKey);
    });

    it("answers magic 0 for signatures of 64, 66 and 0 bytes (empty) and for v = 0 or 29", async () => {
      const fx = await loadFixture(withAccount);
      const { tx } = await rotation(fx);
      for (const signature of [truncated(tx.signature), padded(tx.signature), "0x", withV(tx.signature, 0), withV(tx.signature, 29)]) {
        await expectRefusedSignature(fx, { ...tx, signature });
      }
    });

    it("answers magic 0 when a field changed after signing (the digest differs)", async () => {
      const fx = await loadFixture(withAccount);
      const { f } = fx;
      const { tx } = await rotation(fx);
      await expectRefusedSignature(fx, { ...tx, data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]) });
    });

    it("still checks the balance and the nonce, and uses the nonce, when the signature is bad", async () => {
      const fx = await loadFixture(withAccount);
      const { f, w } = fx;
      // an unsponsored transaction of an account without ETH: the balance check reverts, whatever the signature
      const { tx: unsponsored } = await rotation(fx, { paymaster: null });
      expect(await validationAnswer({ ...unsponsored, signature: "0x" })).to.deep.equal({
        ok: false,
        result: `InsufficientBalance(${RAW_TX_GAS_LIMIT * unsponsored.maxFeePerGas}, 0)`,
      });
      // a wrong nonce reverts in the NonceHolder, whatever the signature
      const { tx: future } = await rotation(fx, { nonce: 7n });
      expect(await validationAnswer({ ...future, signature: "0x" })).to.deep.equal({ ok: false, result: "ValueMismatch(7, 0)" });
      // and the nonce is used although the magic value is withheld (the bootloader then drops the transaction)
      const { tx } = await rotation(fx);
      const data = accountInterface.encodeFunctionData("validateTransaction", [transactionHash(tx), signedDigest(tx), toSystemTransaction({ ...tx, signature: "0x" })]);
      await sendAs(ethers.provider, { from: SystemAddress.BOOTLOADER, to: w.address, data });
      expect(await f.transport.nonceOf(w.address)).to.equal(1n);
    });
  });

  describe("nonces", () => {
    it("rejects a replayed transaction and a future nonce at the nonce stage", async () => {
      const fx = await loadFixture(withAccount);
      const { f, w } = fx;
      const { tx, newKey } = await rotation(fx);
      expect(tx.nonce).to.equal(0n);
      expect((await f.transport.submit(tx)).status).to.equal("success");
      expect(await f.transport.nonceOf(w.address)).to.equal(1n);
      const before = await chainState(f, [w.address]);
      await expectRejected(f.transport.submit(tx), "nonce", /nonce 0 is not the account's next nonce 1/);
      const { tx: future } = await rotation(fx, { nonce: 5n });
      await expectRejected(f.transport.submit(future), "nonce", /nonce 5 is not the account's next nonce 1/);
      await expectUnchanged(f, before);
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(newKey);
    });
  });

  describe("access control", () => {
    it("refuses validateTransaction, executeTransaction, payForTransaction and prepareForPaymaster from an EOA (OnlyBootloader)", async () => {
      const fx = await loadFixture(withAccount);
      const { f, w } = fx;
      const { tx } = await rotation(fx);
      const struct = toSystemTransaction(tx);
      const hash = transactionHash(tx);
      const digest = signedDigest(tx);
      const before = await chainState(f, [w.address]);
      for (const caller of [f.signers.outsider, f.signers.deployer]) {
        const account = TestPatientAccount__factory.connect(w.address, caller);
        for (const call of [
          () => account.validateTransaction(hash, digest, struct),
          () => account.executeTransaction(hash, digest, struct),
          () => account.payForTransaction(hash, digest, struct),
          () => account.prepareForPaymaster(hash, digest, struct),
        ]) {
          await expect(call()).to.be.revertedWithCustomError(account, "OnlyBootloader").withArgs(caller.address);
        }
      }
      await expectUnchanged(f, before);
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(w.encryptionKey);
    });

    it("refuses executeBatch, proposeGuardians, cancelRecovery and cancelGuardianChange from an outsider (NotSelf)", async () => {
      const { f, w } = await loadFixture(withAccount);
      const outsider = f.signers.outsider;
      const account = w.account.connect(outsider);
      const batch = [{ target: await f.patients.getAddress(), value: 0n, data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]) }];
      for (const call of [
        () => account.executeBatch(batch),
        () => account.proposeGuardians([outsider.address], 1),
        () => account.cancelRecovery(),
        () => account.cancelGuardianChange(),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(account, "NotSelf").withArgs(outsider.address);
      }
      expect(await account.guardians()).to.deep.equal([]);
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(w.encryptionKey);
    });

    it("refuses registerAsPatient from anyone but the factory or the account (OnlyFactoryOrSelf)", async () => {
      const { f, w } = await loadFixture(withAccount);
      for (const caller of [f.signers.outsider, f.signers.deployer]) {
        await expect(w.account.connect(caller).registerAsPatient(await f.patients.getAddress(), random32()))
          .to.be.revertedWithCustomError(w.account, "OnlyFactoryOrSelf")
          .withArgs(caller.address);
      }
      expect(await w.account.factory()).to.equal(await f.factory.getAddress());
    });
  });

  describe("fees paid by the account itself", () => {
    it("rejects an unsponsored transaction from an account without ETH (InsufficientBalance)", async () => {
      const fx = await loadFixture(withAccount);
      const { f, w } = fx;
      const { tx } = await rotation(fx, { paymaster: null });
      const before = await chainState(f, [w.address]);
      await expectRejected(
        f.transport.submit(tx),
        "validation",
        errorReason("InsufficientBalance", RAW_TX_GAS_LIMIT * tx.maxFeePerGas, 0n),
      );
      await expectUnchanged(f, before);
    });

    it("rejects a sponsored transaction whose value exceeds the account's balance (InsufficientBalance)", async () => {
      const { f, w } = await loadFixture(withAccount);
      const value = parseEther("1");
      const tx = await buildTx(f, w.owner, w.address, { to: f.signers.outsider.address, data: "0x", value });
      const before = await chainState(f, [w.address]);
      await expectRejected(f.transport.submit(tx), "validation", errorReason("InsufficientBalance", value, 0n));
      await expectUnchanged(f, before);
    });

    it("pays the fee itself when it holds ETH: its balance drops by exactly the reported fee", async () => {
      const fx = await loadFixture(withAccount);
      const { f, w } = fx;
      await f.signers.deployer.sendTransaction({ to: w.address, value: parseEther("0.01") });
      const { tx, newKey } = await rotation(fx, { paymaster: null });
      const accountBefore = await ethers.provider.getBalance(w.address);
      const paymasterBefore = await ethers.provider.getBalance(f.wallets.SponsorPaymaster.address);
      const bootloaderBefore = await ethers.provider.getBalance(SystemAddress.BOOTLOADER);
      const result = await f.transport.submit(tx);
      expect(result.status).to.equal("success");
      expect(result.fee).to.be.greaterThan(0n);
      expect(result.fee).to.equal(result.gasUsed * tx.maxFeePerGas);
      expect(accountBefore - (await ethers.provider.getBalance(w.address))).to.equal(result.fee);
      expect((await ethers.provider.getBalance(SystemAddress.BOOTLOADER)) - bootloaderBefore).to.equal(result.fee);
      expect(await ethers.provider.getBalance(f.wallets.SponsorPaymaster.address)).to.equal(paymasterBefore);
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(newKey);
      expect(await f.transport.nonceOf(w.address)).to.equal(1n);
    });
  });

  describe("executeTransactionFromOutside", () => {
    it("executes an owner-signed transaction a relayer submits, once; refuses a replay and a wrong signer", async () => {
      const fx = await loadFixture(withAccount);
      const { f, w } = fx;
      const relayer = f.signers.relayer;
      const nonceHolder = NonceHolderDouble__factory.connect(SystemAddress.NONCE_HOLDER, relayer);
      const { tx, newKey } = await rotation(fx, { paymaster: null });
      const account = w.account.connect(relayer);
      await expect(account.executeTransactionFromOutside(toSystemTransaction(tx)))
        .to.emit(f.patients, "EncryptionKeyRotated")
        .withArgs(w.address, w.encryptionKey, newKey);
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(newKey);
      expect(await f.transport.nonceOf(w.address)).to.equal(1n);
      expect(await ethers.provider.getBalance(w.address)).to.equal(0n);

      await expect(account.executeTransactionFromOutside(toSystemTransaction(tx)))
        .to.be.revertedWithCustomError(nonceHolder, "ValueMismatch")
        .withArgs(0n, 1n);

      const intruder = f.newOwner();
      const forged = await buildTx(f, intruder, w.address, {
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
        paymaster: null,
      });
      await expect(account.executeTransactionFromOutside(toSystemTransaction(forged)))
        .to.be.revertedWithCustomError(account, "WrongSigner")
        .withArgs(intruder.address);
      const malleable = { ...(await rotation(fx, { paymaster: null })).tx };
      await expect(account.executeTransactionFromOutside(toSystemTransaction({ ...malleable, signature: malleate(malleable.signature) })))
        .to.be.revertedWithCustomError(account, "SignatureMalleable");
      // unlike validateTransaction, it reverts with a custom error for every bad signature
      for (const [signature, length] of [
        [truncated(malleable.signature), 64],
        ["0x", 0],
      ] as const) {
        await expect(account.executeTransactionFromOutside(toSystemTransaction({ ...malleable, signature })))
          .to.be.revertedWithCustomError(account, "SignatureLengthInvalid")
          .withArgs(length);
      }
      await expect(account.executeTransactionFromOutside(toSystemTransaction({ ...malleable, signature: withV(malleable.signature, 29) })))
        .to.be.revertedWithCustomError(account, "WrongSigner")
        .withArgs(ZeroAddress);
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(newKey);
      expect(await f.transport.nonceOf(w.address)).to.equal(1n);
    });

    it("refuses a transaction signed for another account of the same owner (from ≠ the account)", async () => {
      const { f } = await loadFixture(withAccount);
      const owner = f.newOwner();
      const a = await f.onboard(owner);
      const b = await f.onboard(owner);
      expect(a.address).to.not.equal(b.address);
      expect(await f.transport.nonceOf(a.address)).to.equal(await f.transport.nonceOf(b.address));
      // signed for account A only
      const forA = await buildTx(f, owner, a.address, {
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
        paymaster: null,
      });
      await expect(b.account.executeTransactionFromOutside(toSystemTransaction(forA))).to.be.reverted;
      expect(await f.patients.encryptionKeyOf(b.address)).to.equal(b.encryptionKey);
      expect(await f.transport.nonceOf(b.address)).to.equal(0n);
    });
  });

  describe("AccountFactory", () => {
    it("refuses the zero owner (InvalidOwner)", async () => {
      const { f } = await loadFixture(withAccount);
      await expect(f.factory.createAccount(ZeroAddress, random32(), random32())).to.be.revertedWithCustomError(f.factory, "InvalidOwner");
    });

    it("deploys at the predicted address, bound to (owner, salt), and refuses a second createAccount for the same pair", async () => {
      const { f } = await loadFixture(withAccount);
      const owner = f.newOwner();
      const other = f.newOwner();
      const salt = random32();
      const predicted = await f.factory.accountAddress(owner.address, salt);
      expect(await ethers.provider.getCode(predicted)).to.equal("0x");
      expect(await f.factory.accountAddress(owner.address, random32())).to.not.equal(predicted);
      expect(await f.factory.accountAddress(other.address, salt)).to.not.equal(predicted);

      const deployed = await f.factory.createAccount.staticCall(owner.address, salt, ZeroHash);
      expect(deployed).to.equal(predicted);
      await expect(f.factory.createAccount(owner.address, salt, ZeroHash))
        .to.emit(f.factory, "AccountCreated")
        .withArgs(predicted, owner.address, salt, false);
      const account = TestPatientAccount__factory.connect(predicted, ethers.provider);
      expect(await ethers.provider.getCode(predicted)).to.not.equal("0x");
      expect(await f.factory.isAccount(predicted)).to.equal(true);
      expect(await account.owner()).to.equal(owner.address);
      expect(await account.factory()).to.equal(await f.factory.getAddress());
      expect(await f.patients.isPatient(predicted)).to.equal(false);

      await expect(f.factory.createAccount(owner.address, salt, random32())).to.be.revertedWithCustomError(f.factory, "DeploymentFailed");
      expect(await f.patients.isPatient(predicted)).to.equal(false);
      expect(await account.owner()).to.equal(owner.address);
    });

    it("registers the new account as a patient when an encryption key is given", async () => {
      const { f } = await loadFixture(withAccount);
      const owner = f.newOwner();
      const salt = random32();
      const key = random32();
      const predicted = await f.factory.accountAddress(owner.address, salt);
      await expect(f.factory.createAccount(owner.address, salt, key))
        .to.emit(f.factory, "AccountCreated")
        .withArgs(predicted, owner.address, salt, true)
        .and.to.emit(f.patients, "PatientRegistered")
        .withArgs(predicted, key);
      expect(await f.patients.encryptionKeyOf(predicted)).to.equal(key);
    });
  });
});
