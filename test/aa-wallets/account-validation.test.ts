import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, parseEther } from "ethers";
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
} from "../helpers/aa-tx";
import { DEFAULT_GAS_LIMIT, toSystemTransaction, transactionHash, signedDigest } from "../../sdk/wallet";
import { SystemAddress } from "../../era-test-node/bootloader/system-addresses";
import { NonceHolderDouble__factory, TestPatientAccount__factory } from "../../typechain-types";

const withAccount = deployWithAccountFixture;

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
    it("rejects a transaction signed by another key (WrongSigner) and changes nothing", async () => {
      const fx = await loadFixture(withAccount);
      const { f, w } = fx;
      const intruder = f.newOwner();
      const before = await chainState(f, [w.address]);
      const tx = await buildTx(f, intruder, w.address, {
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
      });
      await expectRejected(f.transport.submit(tx), "validation", errorReason("WrongSigner", intruder.address));
      await expectUnchanged(f, before);
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(w.encryptionKey);
    });

    it("rejects the high-s twin of a valid signature (SignatureMalleable), then accepts the original", async () => {
      const fx = await loadFixture(withAccount);
      const { f, w } = fx;
      const { tx, newKey } = await rotation(fx);
      const before = await chainState(f, [w.address]);
      await expectRejected(f.transport.submit({ ...tx, signature: malleate(tx.signature) }), "validation", errorReason("SignatureMalleable"));
      await expectUnchanged(f, before);
      expect((await f.transport.submit(tx)).status).to.equal("success");
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(newKey);
    });

    it("rejects signatures of 64, 66 and 0 bytes (SignatureLengthInvalid)", async () => {
      const fx = await loadFixture(withAccount);
      const { f, w } = fx;
      const { tx } = await rotation(fx);
      const before = await chainState(f, [w.address]);
      for (const [signature, length] of [
        [truncated(tx.signature), 64],
        [padded(tx.signature), 66],
        ["0x", 0],
      ] as const) {
        await expectRejected(f.transport.submit({ ...tx, signature }), "validation", errorReason("SignatureLengthInvalid", length));
        await expectUnchanged(f, before);
      }
    });

    it("rejects a signature whose digest differs from the transaction (a field changed after signing)", async () => {
      const fx = await loadFixture(withAccount);
      const { f, w } = fx;
      const { tx } = await rotation(fx);
      const before = await chainState(f, [w.address]);
      const tampered = { ...tx, data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]) };
      const rejection = await expectRejected(f.transport.submit(tampered), "validation", /^WrongSigner\(/);
      expect(rejection.reason).to.not.match(new RegExp(w.owner.address, "i"));
      await expectUnchanged(f, before);
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
        errorReason("InsufficientBalance", DEFAULT_GAS_LIMIT * tx.maxFeePerGas, 0n),
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
