import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, ZeroAddress, ZeroHash, dataSlice, hexlify, parseEther } from "ethers";
import { utils } from "zksync-ethers";
import { deployWithAccountFixture } from "../helpers/wallet-fixture";
import {
  accountInterface,
  buildTx,
  chainState,
  errorReason,
  eventsSince,
  expectRejected,
  expectUnchanged,
  random32,
  RAW_TX_GAS_LIMIT,
  budgetCharged,
} from "../helpers/aa-tx";
import { createPatientAccount, sendSponsored, signOnboardingVoucher, sponsorParams, toSystemTransaction } from "../../sdk/wallet";
import { PatientRegistry__factory } from "../../sdk/chain/contracts";
import { ParticipantKind } from "../../sdk/chain/participant-kind";

const withAccount = deployWithAccountFixture;

/** Moves the chain to 01:00 UTC of the next day, so that a test never straddles a budget day boundary. */
async function startOfFreshDay(): Promise<bigint> {
  const day = BigInt(await time.latest()) / 86_400n;
  await time.increaseTo((day + 1n) * 86_400n + 3_600n);
  return day + 1n;
}

describe("aa-wallets: SponsorPaymaster", () => {
  describe("onboarding: senders that are not sponsored accounts", () => {
    it("refuses a random EOA calling PatientRegistry.register without a voucher (SenderNotSponsored)", async () => {
      const { f } = await loadFixture(withAccount);
      const eoa = f.newOwner();
      const before = await chainState(f, [eoa.address]);
      const tx = await buildTx(f, eoa, eoa.address, {
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("register", [random32()]),
      });
      await expectRejected(f.transport.submit(tx), "paymaster", errorReason("SenderNotSponsored", eoa.address));
      await expectUnchanged(f, before);
      expect(await f.patients.isPatient(eoa.address)).to.equal(false);
    });

    it("refuses a random EOA calling PatientRegistry.register even with a valid voucher (vouchers cover onboarding only)", async () => {
      const { f } = await loadFixture(withAccount);
      const eoa = f.newOwner();
      const before = await chainState(f, [eoa.address]);
      const tx = await buildTx(f, eoa, eoa.address, {
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("register", [random32()]),
        paymaster: sponsorParams(f.wallets.SponsorPaymaster.address, await f.voucherFor(eoa.address)),
      });
      await expectRejected(f.transport.submit(tx), "paymaster", errorReason("SenderNotSponsored", eoa.address));
      await expectUnchanged(f, before);
      expect(await f.patients.isPatient(eoa.address)).to.equal(false);
    });

    it("refuses onboarding with an expired voucher, a voucher of the wrong key or of another sender (InvalidVoucher)", async () => {
      const { f } = await loadFixture(withAccount);
      const pm = f.wallets.SponsorPaymaster.address;
      const eoa = f.newOwner();
      const stranger = f.newOwner();
      const now = BigInt(await time.latest());
      const vouchers = {
        expired: await signOnboardingVoucher(f.sponsor, pm, f.chainId, eoa.address, now - 1n),
        wrongKey: await signOnboardingVoucher(f.signers.outsider, pm, f.chainId, eoa.address, now + 3_600n),
        otherSender: await f.voucherFor(stranger.address),
        otherPaymaster: await signOnboardingVoucher(f.sponsor, await f.consents.getAddress(), f.chainId, eoa.address, now + 3_600n),
      };
      const salt = random32();
      const predicted = await f.factory.accountAddress(eoa.address, salt);
      const before = await chainState(f, [eoa.address]);
      for (const [name, voucher] of Object.entries(vouchers)) {
        const tx = await buildTx(f, eoa, eoa.address, {
          to: await f.factory.getAddress(),
          data: f.factory.interface.encodeFunctionData("createAccount", [eoa.address, salt, random32()]),
          paymaster: sponsorParams(pm, voucher),
        });
        const rejection = await expectRejected(f.transport.submit(tx), "paymaster", errorReason("InvalidVoucher"));
        expect(rejection.reason, name).to.equal("InvalidVoucher()");
        await expectUnchanged(f, before);
      }
      expect(await ethers.provider.getCode(predicted)).to.equal("0x");
      expect(await f.factory.isAccount(predicted)).to.equal(false);
    });

    it("refuses onboarding whose createAccount owner is not the sender, or that carries no voucher (SenderNotSponsored)", async () => {
      const { f } = await loadFixture(withAccount);
      const pm = f.wallets.SponsorPaymaster.address;
      const eoa = f.newOwner();
      const victim = f.newOwner();
      const salt = random32();
      const before = await chainState(f, [eoa.address]);
      const foreignOwner = await buildTx(f, eoa, eoa.address, {
        to: await f.factory.getAddress(),
        data: f.factory.interface.encodeFunctionData("createAccount", [victim.address, salt, random32()]),
        paymaster: sponsorParams(pm, await f.voucherFor(eoa.address)),
      });
      await expectRejected(f.transport.submit(foreignOwner), "paymaster", errorReason("SenderNotSponsored", eoa.address));
      const noVoucher = await buildTx(f, eoa, eoa.address, {
        to: await f.factory.getAddress(),
        data: f.factory.interface.encodeFunctionData("createAccount", [eoa.address, salt, random32()]),
      });
      await expectRejected(f.transport.submit(noVoucher), "paymaster", errorReason("SenderNotSponsored", eoa.address));
      await expectUnchanged(f, before);
      expect(await ethers.provider.getCode(await f.factory.accountAddress(victim.address, salt))).to.equal("0x");
      expect(await ethers.provider.getCode(await f.factory.accountAddress(eoa.address, salt))).to.equal("0x");
    });

    it("sponsors onboarding vouchers of the new signer only after setVoucherSigner", async () => {
      const { f } = await loadFixture(withAccount);
      const pm = f.wallets.SponsorPaymaster.address;
      const newSigner = f.signers.outsider;
      await expect(f.paymaster.setVoucherSigner(newSigner.address)).to.emit(f.paymaster, "VoucherSignerSet").withArgs(newSigner.address);
      expect(await f.paymaster.voucherSigner()).to.equal(newSigner.address);
      const owner = f.newOwner();
      const before = await chainState(f, [owner.address]);
      const options = { owner, factory: await f.factory.getAddress(), salt: random32(), encryptionKey: random32() };
      await expectRejected(
        createPatientAccount(f.context, { ...options, voucher: await f.voucherFor(owner.address) }),
        "paymaster",
        errorReason("InvalidVoucher"),
      );
      await expectUnchanged(f, before);
      const validUntil = BigInt(await time.latest()) + 600n;
      const wallet = await createPatientAccount(f.context, {
        ...options,
        voucher: await signOnboardingVoucher(newSigner, pm, f.chainId, owner.address, validUntil),
      });
      expect(await f.factory.isAccount(wallet.address)).to.equal(true);
      expect(await f.patients.isPatient(wallet.address)).to.equal(true);
    });
  });

  describe("one-time vouchers", () => {
    it("spends the voucher's nonce and marks only the onboarded account as sponsored (AccountOnboarded)", async () => {
      const { f } = await loadFixture(withAccount);
      const owner = f.newOwner();
      const nonce = 12_345n;
      const voucher = await signOnboardingVoucher(f.sponsor, f.wallets.SponsorPaymaster.address, f.chainId, owner.address, BigInt(await time.latest()) + 600n, nonce);
      expect(await f.paymaster.isVoucherUsed(nonce)).to.equal(false);
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      const wallet = await createPatientAccount(f.context, { owner, factory: await f.factory.getAddress(), salt: random32(), voucher });
      expect(await f.paymaster.isVoucherUsed(nonce)).to.equal(true);
      expect(await f.paymaster.isSponsoredAccount(wallet.address)).to.equal(true);
      expect(await f.paymaster.isSponsoredAccount(owner.address)).to.equal(false);
      const onboarded = await eventsSince(f.paymaster, "AccountOnboarded", fromBlock);
      expect(onboarded.map((args) => [...args])).to.deep.equal([[wallet.address, owner.address, nonce]]);
    });

    it("refuses a reused voucher (VoucherAlreadyUsed) with nothing paid, even for another salt", async () => {
      const { f } = await loadFixture(withAccount);
      const owner = f.newOwner();
      const voucher = await f.voucherFor(owner.address);
      const [nonce] = AbiCoder.defaultAbiCoder().decode(["uint256", "uint64", "bytes"], voucher);
      await createPatientAccount(f.context, { owner, factory: await f.factory.getAddress(), salt: random32(), voucher });
      const salt = random32();
      const before = await chainState(f, [owner.address]);
      const again = await buildTx(f, owner, owner.address, {
        to: await f.factory.getAddress(),
        data: f.factory.interface.encodeFunctionData("createAccount", [owner.address, salt, random32()]),
        paymaster: sponsorParams(f.wallets.SponsorPaymaster.address, voucher),
      });
      await expectRejected(f.transport.submit(again), "paymaster", errorReason("VoucherAlreadyUsed", nonce));
      await expectUnchanged(f, before);
      expect(await ethers.provider.getCode(await f.factory.accountAddress(owner.address, salt))).to.equal("0x");
      // the SDK's estimate meets the same refusal, before anything is signed or sent
      await expectRejected(
        createPatientAccount(f.context, { owner, factory: await f.factory.getAddress(), salt, voucher }),
        "paymaster",
        errorReason("VoucherAlreadyUsed", nonce),
      );
      await expectUnchanged(f, before);
    });

    it("refuses a voucher whose nonce was changed after signing (InvalidVoucher)", async () => {
      const { f } = await loadFixture(withAccount);
      const owner = f.newOwner();
      const coder = AbiCoder.defaultAbiCoder();
      const [nonce, validUntil, signature] = coder.decode(["uint256", "uint64", "bytes"], await f.voucherFor(owner.address));
      const forged = coder.encode(["uint256", "uint64", "bytes"], [nonce + 1n, validUntil, signature]);
      const before = await chainState(f, [owner.address]);
      await expectRejected(
        createPatientAccount(f.context, { owner, factory: await f.factory.getAddress(), salt: random32(), voucher: forged }),
        "paymaster",
        errorReason("InvalidVoucher"),
      );
      await expectUnchanged(f, before);
      expect(await f.paymaster.isVoucherUsed(nonce + 1n)).to.equal(false);
    });
  });

  describe("who is sponsored", () => {
    it("refuses a sponsored account calling factory.createAccount, directly and inside executeBatch, voucher or not (no sybil accounts)", async () => {
      const { f, w } = await loadFixture(withAccount);
      const factory = await f.factory.getAddress();
      const createSelector = f.factory.interface.getFunction("createAccount")!.selector;
      const before = await chainState(f, [w.address]);
      const salt = random32();
      const create = (owner: string) => f.factory.interface.encodeFunctionData("createAccount", [owner, salt, random32()]);
      const attempts = [
        // a new account of another key, of the account itself, and of the account itself with a voucher for it
        await buildTx(f, w.owner, w.address, { to: factory, data: create(f.newOwner().address) }),
        await buildTx(f, w.owner, w.address, { to: factory, data: create(w.address) }),
        await buildTx(f, w.owner, w.address, {
          to: factory,
          data: create(w.address),
          paymaster: sponsorParams(f.wallets.SponsorPaymaster.address, await f.voucherFor(w.address)),
        }),
        await buildTx(f, w.owner, w.address, {
          to: w.address,
          data: accountInterface.encodeFunctionData("executeBatch", [[{ target: factory, value: 0n, data: create(w.address) }]]),
        }),
      ];
      for (const tx of attempts) {
        await expectRejected(f.transport.submit(tx), "paymaster", errorReason("CallNotSponsored", factory, createSelector));
        await expectUnchanged(f, before);
      }
      expect(await ethers.provider.getCode(await f.factory.accountAddress(w.address, salt))).to.equal("0x");
    });

    it("never allow-lists the factory (FactoryNotAllowListable), not even from the constructor", async () => {
      const { f } = await loadFixture(withAccount);
      const factory = await f.factory.getAddress();
      const createSelector = f.factory.interface.getFunction("createAccount")!.selector;
      expect(await f.paymaster.isAllowedCall(factory, createSelector)).to.equal(false);
      for (const selector of [createSelector, f.factory.interface.getFunction("accountAddress")!.selector]) {
        await expect(f.paymaster.setAllowedCall(factory, selector, true)).to.be.revertedWithCustomError(f.paymaster, "FactoryNotAllowListable");
      }
      expect(await f.paymaster.isAllowedCall(factory, createSelector)).to.equal(false);
    });

    it("refuses a self-registered EOA patient calling an allow-listed function (SenderNotSponsored)", async () => {
      const { f } = await loadFixture(withAccount);
      const eoa = f.newOwner();
      // registration is permissionless: the EOA registers itself, paying its own gas
      await f.signers.deployer.sendTransaction({ to: eoa.address, value: parseEther("0.01") });
      await (await f.patients.connect(eoa).register(random32())).wait();
      expect(await f.patients.isPatient(eoa.address)).to.equal(true);
      const key = await f.patients.encryptionKeyOf(eoa.address);
      const before = await chainState(f, [eoa.address]);
      const tx = await buildTx(f, eoa, eoa.address, {
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
      });
      await expectRejected(f.transport.submit(tx), "paymaster", errorReason("SenderNotSponsored", eoa.address));
      await expectUnchanged(f, before);
      expect(await f.patients.encryptionKeyOf(eoa.address)).to.equal(key);
    });

    it("does not sponsor an account created directly through the factory (the deployer paid): SenderNotSponsored", async () => {
      const { f } = await loadFixture(withAccount);
      const owner = f.newOwner();
      const salt = random32();
      const address = await f.factory.accountAddress(owner.address, salt);
      await (await f.factory.createAccount(owner.address, salt, random32())).wait();
      expect(await f.factory.isAccount(address)).to.equal(true);
      expect(await f.patients.isPatient(address)).to.equal(true);
      expect(await f.paymaster.isSponsoredAccount(address)).to.equal(false);
      const wallet = { address, owner };
      const rotate = { target: await f.patients.getAddress(), data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]) };
      const before = await chainState(f, [address]);
      await expectRejected(sendSponsored(f.context, wallet, [rotate]), "paymaster", errorReason("SenderNotSponsored", address));
      await expectUnchanged(f, before);
      // it is an ordinary account all the same: paying its own fee, it acts
      await f.signers.deployer.sendTransaction({ to: address, value: parseEther("0.01") });
      const own = await sendSponsored({ ...f.context, paymaster: undefined }, wallet, [rotate]);
      expect(own.status).to.equal("success");
    });
  });

  describe("patient accounts", () => {
    it("refuses calls to non-allow-listed targets or selectors (CallNotSponsored), paying nothing", async () => {
      const { f, w } = await loadFixture(withAccount);
      const providers = await f.providers.getAddress();
      const consents = await f.consents.getAddress();
      const foreign = await (await new PatientRegistry__factory(f.signers.deployer).deploy()).getAddress();
      const cases: { to: string; data: string }[] = [
        {
          to: providers,
          data: f.providers.interface.encodeFunctionData("register", [w.address, ParticipantKind.Provider, random32(), random32()]),
        },
        { to: consents, data: f.consents.interface.encodeFunctionData("setRecordToken", [await f.records.getAddress()]) },
        { to: foreign, data: f.patients.interface.encodeFunctionData("register", [random32()]) },
        { to: w.address, data: "0x" },
        { to: w.address, data: accountInterface.encodeFunctionData("isValidSignature", [ZeroHash, "0x"]) },
        { to: f.signers.outsider.address, data: "0x" },
      ];
      const before = await chainState(f, [w.address]);
      for (const call of cases) {
        const tx = await buildTx(f, w.owner, w.address, call);
        const selector = call.data.length >= 10 ? dataSlice(call.data, 0, 4) : "0x00000000";
        await expectRejected(f.transport.submit(tx), "paymaster", errorReason("CallNotSponsored", call.to, selector));
        await expectUnchanged(f, before);
      }
      expect(await f.providers.participantOf(w.address).then((p) => p.kind)).to.equal(0n);
      expect(await f.consents.recordToken()).to.equal(await f.records.getAddress());
    });

    it("refuses a non-allow-listed self-call (executeTransactionFromOutside on itself) with CallNotSponsored", async () => {
      const { f, w } = await loadFixture(withAccount);
      const inner = await buildTx(f, w.owner, w.address, {
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
        nonce: 1n,
        paymaster: null,
      });
      const data = accountInterface.encodeFunctionData("executeTransactionFromOutside", [toSystemTransaction(inner)]);
      const before = await chainState(f, [w.address]);
      const tx = await buildTx(f, w.owner, w.address, { to: w.address, data });
      await expectRejected(f.transport.submit(tx), "paymaster", errorReason("CallNotSponsored", w.address, dataSlice(data, 0, 4)));
      await expectUnchanged(f, before);
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(w.encryptionKey);
    });

    it("refuses a registerAsPatient self-call that targets a registry other than medrec's PatientRegistry", async () => {
      // registerAsPatient(registry, key) calls registry.register(key) on ANY address: allow-listing the self-call
      // lets an account make the paymaster pay for calls into arbitrary contracts.
      const { f, w } = await loadFixture(withAccount);
      const foreign = PatientRegistry__factory.connect(
        await (await new PatientRegistry__factory(f.signers.deployer).deploy()).getAddress(),
        f.signers.deployer,
      );
      const data = accountInterface.encodeFunctionData("registerAsPatient", [await foreign.getAddress(), random32()]);
      const before = await chainState(f, [w.address]);
      const tx = await buildTx(f, w.owner, w.address, { to: w.address, data });
      let outcome: unknown;
      try {
        outcome = await f.transport.submit(tx);
      } catch (error) {
        outcome = error;
      }
      expect(await foreign.isPatient(w.address), "the paymaster paid for a call into a foreign contract").to.equal(false);
      await expectRejected(Promise.reject(outcome), "paymaster", /^CallNotSponsored\(/);
      await expectUnchanged(f, before);
    });

    it("refuses an executeBatch with one bad inner call (CallNotSponsored) and executes nothing of it", async () => {
      const { f, w } = await loadFixture(withAccount);
      const providers = await f.providers.getAddress();
      const badInner = f.providers.interface.encodeFunctionData("register", [w.address, ParticipantKind.Provider, random32(), random32()]);
      const newKey = random32();
      const good = { target: await f.patients.getAddress(), value: 0n, data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [newKey]) };
      const before = await chainState(f, [w.address]);

      const batch = accountInterface.encodeFunctionData("executeBatch", [[good, { target: providers, value: 0n, data: badInner }]]);
      const tx = await buildTx(f, w.owner, w.address, { to: w.address, data: batch });
      await expectRejected(f.transport.submit(tx), "paymaster", errorReason("CallNotSponsored", providers, dataSlice(badInner, 0, 4)));

      // a nested executeBatch (a self-call the allow-list never covers) is refused the same way
      const nested = accountInterface.encodeFunctionData("executeBatch", [[good, { target: w.address, value: 0n, data: accountInterface.encodeFunctionData("executeBatch", [[]]) }]]);
      const nestedTx = await buildTx(f, w.owner, w.address, { to: w.address, data: nested });
      await expectRejected(
        f.transport.submit(nestedTx),
        "paymaster",
        errorReason("CallNotSponsored", w.address, accountInterface.getFunction("executeBatch")!.selector),
      );

      await expectUnchanged(f, before);
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(w.encryptionKey);
      expect((await f.providers.participantOf(w.address)).kind).to.equal(0n);
    });
  });

  describe("daily gas budget", () => {
    it("refuses a transaction over a lowered budget (DailyBudgetExceeded) and accepts one exactly at it", async () => {
      const { f, w } = await loadFixture(withAccount);
      await startOfFreshDay();
      await expect(f.paymaster.setDailyGasBudget(1_000_000n)).to.emit(f.paymaster, "DailyGasBudgetSet").withArgs(1_000_000n);
      const data = f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]);
      const to = await f.patients.getAddress();
      const before = await chainState(f, [w.address]);
      const over = await buildTx(f, w.owner, w.address, { to, data });
      await expectRejected(f.transport.submit(over), "paymaster", errorReason("DailyBudgetExceeded", w.address, RAW_TX_GAS_LIMIT, 1_000_000n));
      await expectUnchanged(f, before);
      const atLimit = await buildTx(f, w.owner, w.address, { to, data, gasLimit: 1_000_000n });
      const result = await f.transport.submit(atLimit);
      expect(result.status).to.equal("success");
      expect(await f.paymaster.quotaOf(w.address)).to.deep.equal([budgetCharged(result), 1_000_000n - budgetCharged(result)]);
    });

    it("gives refunded gas back to the budget, refuses the remainder + 1 and resets the next day", async () => {
      const { f, w } = await loadFixture(withAccount);
      await startOfFreshDay();
      const budget = await f.paymaster.dailyGasBudget();
      expect(await f.paymaster.quotaOf(w.address)).to.deep.equal([0n, budget]);
      const first = await sendSponsored(f.context, w, [
        { target: await f.patients.getAddress(), data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]) },
      ]);
      expect(first.gasUsed).to.be.greaterThan(0n).and.lessThan(RAW_TX_GAS_LIMIT);
      // only the gas actually used stays on the budget: postTransaction gave back the gas left of the limit
      const remaining = budget - budgetCharged(first);
      expect(await f.paymaster.quotaOf(w.address)).to.deep.equal([budgetCharged(first), remaining]);

      const data = f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]);
      const to = await f.patients.getAddress();
      const before = await chainState(f, [w.address]);
      const over = await buildTx(f, w.owner, w.address, { to, data, gasLimit: remaining + 1n });
      await expectRejected(f.transport.submit(over), "paymaster", errorReason("DailyBudgetExceeded", w.address, remaining + 1n, remaining));
      await expectUnchanged(f, before);

      await time.increase(86_400);
      expect(await f.paymaster.quotaOf(w.address)).to.deep.equal([0n, budget]);
      const full = await f.transport.submit(await buildTx(f, w.owner, w.address, { to, data, gasLimit: budget }));
      expect(full.status).to.equal("success");
      expect(await f.paymaster.quotaOf(w.address)).to.deep.equal([budgetCharged(full), budget - budgetCharged(full)]);
    });
  });

  describe("daily spend cap", () => {
    /** A raw sponsored key rotation of `w` with a fixed gas limit: its fee (reserved against the cap) is known. */
    const rotation = async ({ f, w }: Awaited<ReturnType<typeof withAccount>>, gasLimit: bigint) =>
      buildTx(f, w.owner, w.address, {
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
        gasLimit,
      });

    it("stops sponsoring at the cap (DailySpendCapExceeded), paying nothing for the refused one, signals it (DailySpendCapReached) and resumes the next UTC day", async () => {
      const fx = await loadFixture(withAccount);
      const { f, w } = fx;
      const day = await startOfFreshDay();
      const gasLimit = 500_000n;
      const price = await f.transport.gasPrice();
      const fee = gasLimit * price;
      const cap = 2n * fee;
      await expect(f.paymaster.setDailySpendCap(cap)).to.emit(f.paymaster, "DailySpendCapSet").withArgs(cap);
      expect(await f.paymaster.dailySpend()).to.deep.equal([0n, cap]);
      let accepted = 0;
      let reached = 0;
      for (;;) {
        const [spent, remaining] = await f.paymaster.dailySpend();
        const tx = await rotation(fx, gasLimit);
        if (fee > remaining) {
          const before = await chainState(f, [w.address]);
          await expectRejected(f.transport.submit(tx), "paymaster", errorReason("DailySpendCapExceeded", fee, remaining));
          await expectUnchanged(f, before);
          expect(await f.paymaster.dailySpend()).to.deep.equal([spent, remaining]);
          break;
        }
        const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
        const result = await f.transport.submit(tx);
        expect(result.status).to.equal("success");
        accepted++;
        // signalled exactly when, after reserving this fee, less than a like fee was left
        const signals = await eventsSince(f.paymaster, "DailySpendCapReached", fromBlock);
        const expected = cap - (spent + fee) < fee ? [[day, spent + fee, cap]] : [];
        expect(signals.map((args) => [...args])).to.deep.equal(expected);
        reached += expected.length;
        // the refund of unused gas gives its fee back to the day's headroom
        expect((await f.paymaster.dailySpend()).spent).to.equal(spent + budgetCharged(result) * price);
        expect(accepted, "the cap never stopped sponsoring").to.be.lessThan(20);
      }
      expect(accepted).to.be.greaterThan(1);
      expect(reached).to.be.greaterThan(0);

      await time.increase(86_400);
      expect(await f.paymaster.dailySpend()).to.deep.equal([0n, cap]);
      expect((await f.transport.submit(await rotation(fx, gasLimit))).status).to.equal("success");
    });

    it("refunds give headroom back: after a transaction only the fee of the gas it used stays on the day's spend", async () => {
      const fx = await loadFixture(withAccount);
      const { f } = fx;
      await startOfFreshDay();
      const price = await f.transport.gasPrice();
      const cap = await f.paymaster.dailySpendCap();
      const result = await f.transport.submit(await rotation(fx, RAW_TX_GAS_LIMIT));
      expect(result.status).to.equal("success");
      const charged = budgetCharged(result) * price;
      expect(charged).to.be.lessThan(RAW_TX_GAS_LIMIT * price);
      expect(await f.paymaster.dailySpend()).to.deep.equal([charged, cap - charged]);
    });

    it("refuses onboarding too once the cap is spent, before the voucher is used", async () => {
      const { f } = await loadFixture(withAccount);
      await startOfFreshDay();
      await f.paymaster.setDailySpendCap(0n);
      const owner = f.newOwner();
      const voucher = await f.voucherFor(owner.address);
      const [nonce] = AbiCoder.defaultAbiCoder().decode(["uint256", "uint64", "bytes"], voucher);
      const before = await chainState(f, [owner.address]);
      await expectRejected(
        f.transport.submit(
          await buildTx(f, owner, owner.address, {
            to: await f.factory.getAddress(),
            data: f.factory.interface.encodeFunctionData("createAccount", [owner.address, random32(), random32()]),
            paymaster: sponsorParams(f.wallets.SponsorPaymaster.address, voucher),
          }),
        ),
        "paymaster",
        /^DailySpendCapExceeded\(\d+, 0\)$/,
      );
      await expectUnchanged(f, before);
      expect(await f.paymaster.isVoucherUsed(nonce)).to.equal(false);
    });
  });

  describe("paymaster flows and direct calls", () => {
    it("refuses the approval-based flow and inputs without a flow selector (UnsupportedPaymasterFlow)", async () => {
      const { f, w } = await loadFixture(withAccount);
      const pm = f.wallets.SponsorPaymaster.address;
      const approval = utils.getPaymasterParams(pm, {
        type: "ApprovalBased",
        token: await f.records.getAddress(),
        minimalAllowance: 1n,
        innerInput: "0x",
      });
      const approvalParams = { address: approval.paymaster, input: hexlify(approval.paymasterInput) };
      const approvalSelector = dataSlice(approvalParams.input, 0, 4);
      expect(approvalSelector).to.not.equal(dataSlice(sponsorParams(pm).input, 0, 4));

      // an EOA onboarding: the paymaster itself refuses the flow
      const eoa = f.newOwner();
      const before = await chainState(f, [eoa.address, w.address]);
      const onboarding = (paymaster: { address: string; input: string }) =>
        buildTx(f, eoa, eoa.address, {
          to: f.wallets.AccountFactory.address,
          data: f.factory.interface.encodeFunctionData("createAccount", [eoa.address, random32(), random32()]),
          paymaster,
        });
      await expectRejected(f.transport.submit(await onboarding(approvalParams)), "paymaster", errorReason("UnsupportedPaymasterFlow", approvalSelector));
      await expectRejected(
        f.transport.submit(await onboarding({ address: pm, input: "0x" })),
        "paymaster",
        errorReason("UnsupportedPaymasterFlow", "0x00000000"),
      );

      // a patient account: refused before any payment (its own prepareForPaymaster supports the general flow only)
      const fromAccount = await buildTx(f, w.owner, w.address, {
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
        paymaster: approvalParams,
      });
      await expectRejected(f.transport.submit(fromAccount), "payment", /^UnsupportedPaymasterFlow\(/);
      await expectUnchanged(f, before);
    });

    it("refuses validateAndPayForPaymasterTransaction and postTransaction called directly (OnlyBootloader)", async () => {
      const { f, w } = await loadFixture(withAccount);
      const tx = await buildTx(f, w.owner, w.address, {
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
      });
      const struct = toSystemTransaction(tx);
      const context = AbiCoder.defaultAbiCoder().encode(["address", "uint256", "uint256", "uint64"], [w.address, RAW_TX_GAS_LIMIT, tx.maxFeePerGas, 0n]);
      const before = await chainState(f, [w.address]);
      for (const caller of [f.signers.outsider, f.signers.deployer]) {
        await expect(f.paymaster.connect(caller).validateAndPayForPaymasterTransaction(ZeroHash, ZeroHash, struct))
          .to.be.revertedWithCustomError(f.paymaster, "OnlyBootloader")
          .withArgs(caller.address);
        await expect(f.paymaster.connect(caller).postTransaction(context, struct, ZeroHash, ZeroHash, 1, RAW_TX_GAS_LIMIT))
          .to.be.revertedWithCustomError(f.paymaster, "OnlyBootloader")
          .withArgs(caller.address);
      }
      await expectUnchanged(f, before);
    });

    it("lets only the owner change the allow-list, budget, spend cap, signer and funds (OwnableUnauthorizedAccount)", async () => {
      const { f } = await loadFixture(withAccount);
      const outsider = f.signers.outsider;
      const pm = f.paymaster.connect(outsider);
      const providers = await f.providers.getAddress();
      const selector = f.providers.interface.getFunction("register")!.selector;
      const budget = await f.paymaster.dailyGasBudget();
      const cap = await f.paymaster.dailySpendCap();
      const signer = await f.paymaster.voucherSigner();
      const balance = await ethers.provider.getBalance(f.wallets.SponsorPaymaster.address);
      const attempts = [
        () => pm.setAllowedCall(providers, selector, true),
        () => pm.setAllowedSelfCall(accountInterface.getFunction("executeTransactionFromOutside")!.selector, true),
        () => pm.setDailyGasBudget(1n << 60n),
        () => pm.setDailySpendCap(1n << 200n),
        () => pm.setVoucherSigner(outsider.address),
        () => pm.withdraw(outsider.address, 1n),
        () => pm.transferOwnership(outsider.address),
      ];
      for (const attempt of attempts) {
        await expect(attempt()).to.be.revertedWithCustomError(f.paymaster, "OwnableUnauthorizedAccount").withArgs(outsider.address);
      }
      expect(await f.paymaster.isAllowedCall(providers, selector)).to.equal(false);
      expect(await f.paymaster.isAllowedSelfCall(accountInterface.getFunction("executeTransactionFromOutside")!.selector)).to.equal(false);
      expect(await f.paymaster.dailyGasBudget()).to.equal(budget);
      expect(await f.paymaster.dailySpendCap()).to.equal(cap);
      expect(await f.paymaster.voucherSigner()).to.equal(signer);
      expect(await f.paymaster.owner()).to.equal(f.signers.deployer.address);
      expect(await ethers.provider.getBalance(f.wallets.SponsorPaymaster.address)).to.equal(balance);
    });

    it("lets the owner withdraw (Withdrawn), refuses the zero address and more than the balance", async () => {
      const { f } = await loadFixture(withAccount);
      const pm = f.wallets.SponsorPaymaster.address;
      const to = f.signers.outsider;
      const amount = parseEther("1.5");
      const tx = f.paymaster.withdraw(to.address, amount);
      await expect(tx).to.emit(f.paymaster, "Withdrawn").withArgs(to.address, amount);
      await expect(tx).to.changeEtherBalances([pm, to], [-amount, amount]);
      await expect(f.paymaster.withdraw(ZeroAddress, 1n)).to.be.revertedWithCustomError(f.paymaster, "ZeroAddress");
      const balance = await ethers.provider.getBalance(pm);
      await expect(f.paymaster.withdraw(to.address, balance + 1n)).to.be.revertedWithCustomError(f.paymaster, "TransferFailed");
      expect(await ethers.provider.getBalance(pm)).to.equal(balance);
    });

    it("refuses to sponsor when it cannot cover the fee (InsufficientPaymasterBalance)", async () => {
      const { f, w } = await loadFixture(withAccount);
      const pm = f.wallets.SponsorPaymaster.address;
      const left = 1_000n;
      await f.paymaster.withdraw(f.signers.deployer.address, (await ethers.provider.getBalance(pm)) - left);
      const tx = await buildTx(f, w.owner, w.address, {
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
      });
      const before = await chainState(f, [w.address]);
      await expectRejected(
        f.transport.submit(tx),
        "paymaster",
        errorReason("InsufficientPaymasterBalance", tx.gasLimit * tx.maxFeePerGas, left),
      );
      await expectUnchanged(f, before);
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(w.encryptionKey);
    });
  });

  describe("events and settlement", () => {
    it("emits Sponsored (the estimated gas limit) and SponsorshipSettled(success) and charges exactly the reported fee", async () => {
      const { f, w } = await loadFixture(withAccount);
      const pm = f.wallets.SponsorPaymaster.address;
      const patients = await f.patients.getAddress();
      const data = f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]);
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      const paymasterBefore = await ethers.provider.getBalance(pm);
      const gasPrice = await f.transport.gasPrice();
      const result = await sendSponsored(f.context, w, [{ target: patients, data }]);
      expect(result.status).to.equal("success");
      const sponsored = await eventsSince(f.paymaster, "Sponsored", fromBlock);
      expect(sponsored).to.have.length(1);
      const [sender, target, selector, gasLimit, fee] = [...sponsored[0]] as [string, string, string, bigint, bigint];
      expect([sender, target, selector]).to.deep.equal([w.address, patients, dataSlice(data, 0, 4)]);
      expect(gasLimit).to.be.at.least(result.gasUsed).and.lessThan(RAW_TX_GAS_LIMIT);
      expect(fee).to.equal(gasLimit * gasPrice);
      const settled = await eventsSince(f.paymaster, "SponsorshipSettled", fromBlock);
      expect(settled.map((args) => [...args])).to.deep.equal([[w.address, budgetCharged(result), true]]);
      expect(result.fee).to.equal(result.gasUsed * gasPrice);
      expect(paymasterBefore - (await ethers.provider.getBalance(pm))).to.equal(result.fee);
      expect(await ethers.provider.getBalance(w.address)).to.equal(0n);
    });

    it("settles a sponsored transaction whose execution reverts with success = false, charging its execution; the nonce is used", async () => {
      const { f, w } = await loadFixture(withAccount);
      const pm = f.wallets.SponsorPaymaster.address;
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      const paymasterBefore = await ethers.provider.getBalance(pm);
      const nonce = await f.transport.nonceOf(w.address);
      // already registered: PatientRegistry.register reverts inside the account's execution
      const tx = await buildTx(f, w.owner, w.address, {
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("register", [random32()]),
      });
      const result = await f.transport.submit(tx);
      expect(result.status).to.equal("reverted");
      expect(result.revertReason).to.match(/^PatientAlreadyRegistered\(/i);
      expect(result.stepGas!.executeTransaction).to.be.greaterThan(0n);
      expect(await f.transport.nonceOf(w.address)).to.equal(nonce + 1n);
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(w.encryptionKey);
      const settled = await eventsSince(f.paymaster, "SponsorshipSettled", fromBlock);
      expect(settled.map((args) => [...args])).to.deep.equal([[w.address, budgetCharged(result), false]]);
      expect(paymasterBefore - (await ethers.provider.getBalance(pm))).to.equal(result.fee);
      expect((await f.paymaster.quotaOf(w.address)).used).to.equal(budgetCharged(result));
    });
  });
});
