import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithAccountFixture } from "../helpers/wallet-fixture";
import { randomPointer, randomSalt, RECORD_KIND } from "../helpers/fixture";
import { budgetCharged, buildTx, chainState, eventsSince, expectRejected, expectUnchanged, random32 } from "../helpers/aa-tx";
import { SystemAddress } from "../../era-test-node/bootloader/system-addresses";
import type { AaTransactionResult } from "../../sdk/wallet";

const withAccount = deployWithAccountFixture;
const BASE_GAS = 21_000n;

/** The driver's gas of a transaction: one base cost plus each step's gas. */
const sumOfSteps = (result: AaTransactionResult) => Object.values(result.stepGas!).reduce((sum, gas) => sum + gas, BASE_GAS);

describe("era-test-node: the bootloader driver charges as the bootloader does", () => {
  it("charges a sponsored transaction whose execution reverts for the gas it used: paymaster budget, bootloader balance, nonce", async () => {
    const { f, w } = await loadFixture(withAccount);
    const pm = f.wallets.SponsorPaymaster.address;
    const paymasterBefore = await ethers.provider.getBalance(pm);
    const bootloaderBefore = await ethers.provider.getBalance(SystemAddress.BOOTLOADER);
    const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
    // already registered: the execution reverts
    const tx = await buildTx(f, w.owner, w.address, {
      to: await f.patients.getAddress(),
      data: f.patients.interface.encodeFunctionData("register", [random32()]),
      gasLimit: 1_000_000n,
    });
    const result = await f.transport.submit(tx);
    expect(result.status).to.equal("reverted");
    expect(result.revertReason).to.match(/^PatientAlreadyRegistered\(/);
    // the reverted execution was mined and its gas is part of what is charged
    expect(result.stepGas!.executeTransaction).to.be.greaterThan(0n);
    expect(result.gasUsed).to.equal(sumOfSteps(result));
    expect(result.fee).to.equal(result.gasUsed * tx.maxFeePerGas);
    expect(paymasterBefore - (await ethers.provider.getBalance(pm))).to.equal(result.fee);
    expect((await ethers.provider.getBalance(SystemAddress.BOOTLOADER)) - bootloaderBefore).to.equal(result.fee);
    expect((await f.paymaster.quotaOf(w.address)).used).to.equal(budgetCharged(result));
    expect(await f.transport.nonceOf(w.address)).to.equal(1n);
    const settled = await eventsSince(f.paymaster, "SponsorshipSettled", fromBlock);
    expect(settled.map((args) => [...args])).to.deep.equal([[w.address, budgetCharged(result), false]]);
  });

  it("runs the execution with the gas left of gasLimit: one that needs more reverts out of gas and is charged the full limit", async () => {
    const { f, w } = await loadFixture(withAccount);
    const pm = f.wallets.SponsorPaymaster.address;
    const pointer = randomPointer();
    const mint = f.records.interface.encodeFunctionData("mint", [w.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND]);
    const to = await f.records.getAddress();
    // validation and payment fit in 200 000 gas, a mint (≈ 200 000 gas by itself) does not
    const tx = await buildTx(f, w.owner, w.address, { to, data: mint, gasLimit: 200_000n });
    const paymasterBefore = await ethers.provider.getBalance(pm);
    const bootloaderBefore = await ethers.provider.getBalance(SystemAddress.BOOTLOADER);
    const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
    const result = await f.transport.submit(tx);
    expect(result.status).to.equal("reverted");
    expect(result.revertReason).to.equal("out of gas");
    expect(result.gasUsed).to.equal(tx.gasLimit);
    expect(result.fee).to.equal(tx.gasLimit * tx.maxFeePerGas);
    expect(paymasterBefore - (await ethers.provider.getBalance(pm))).to.equal(result.fee);
    expect((await ethers.provider.getBalance(SystemAddress.BOOTLOADER)) - bootloaderBefore).to.equal(result.fee);
    // no gas was left for postTransaction: the budget keeps the whole reservation
    expect(result.stepGas!.postTransaction).to.equal(undefined);
    expect((await f.paymaster.quotaOf(w.address)).used).to.equal(tx.gasLimit);
    expect(await eventsSince(f.records, "RecordMinted", fromBlock)).to.have.length(0);
    expect(await f.transport.nonceOf(w.address)).to.equal(1n);
    // the same mint with room to run succeeds (the limit, not the call, made it fail)
    const roomy = await f.transport.submit(await buildTx(f, w.owner, w.address, { to, data: mint, gasLimit: 1_000_000n }));
    expect(roomy.status).to.equal("success");
  });

  it("rejects a transaction whose validation, or validation and payment, alone exceed gasLimit; nothing changes", async () => {
    const { f, w } = await loadFixture(withAccount);
    const before = await chainState(f, [w.address]);
    const rotation = (gasLimit: bigint) =>
      buildTx(f, w.owner, w.address, {
        to: f.patients.target as string,
        data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
        gasLimit,
      });
    await expectRejected(f.transport.submit(await rotation(40_000n)), "validation", /^steps up to validation used \d+ gas, more than the gas limit 40000$/);
    await expectUnchanged(f, before);
    await expectRejected(f.transport.submit(await rotation(100_000n)), "paymaster", /^steps up to paymaster used \d+ gas, more than the gas limit 100000$/);
    await expectUnchanged(f, before);
  });

  it("gives postTransaction the gas actually left as maxRefundedGas: the budget keeps what was used before it", async () => {
    const { f, w } = await loadFixture(withAccount);
    const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
    const tx = await buildTx(f, w.owner, w.address, {
      to: await f.patients.getAddress(),
      data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
      gasLimit: 2_000_000n,
    });
    const result = await f.transport.submit(tx);
    expect(result.status).to.equal("success");
    expect(result.stepGas!.postTransaction).to.be.greaterThan(0n);
    expect(result.gasUsed).to.equal(sumOfSteps(result));
    const [settled] = await eventsSince(f.paymaster, "SponsorshipSettled", fromBlock);
    // gasCharged = reserved - maxRefundedGas = gas used before postTransaction
    expect(settled.gasCharged).to.equal(result.gasUsed - result.stepGas!.postTransaction);
  });
});
