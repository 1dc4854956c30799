import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployWithAccountFixture } from "../helpers/wallet-fixture";
import { randomPointer, randomSalt, RECORD_KIND } from "../helpers/fixture";
import { buildTx, expectRejected, random32 } from "../helpers/aa-tx";
import { setBlockTime } from "../../era-test-node/mining";
import type { AaTransactionResult } from "../../sdk/wallet";
import type { WalletsFixture } from "../helpers/wallet-fixture";

const withAccount = deployWithAccountFixture;
const provider = ethers.provider;

/** The blocks after `fromBlock` (exclusive) up to the head that hold transactions, with their transaction hashes. */
async function busyBlocksSince(fromBlock: number): Promise<{ number: number; transactions: string[] }[]> {
  const head = await provider.getBlockNumber();
  const busy: { number: number; transactions: string[] }[] = [];
  for (let number = fromBlock + 1; number <= head; number++) {
    const block = await provider.getBlock(number);
    if (block && block.transactions.length > 0) busy.push({ number, transactions: [...block.transactions] });
  }
  return busy;
}

/** Transactions one sponsored AA transaction is made of: each charged step, plus the refund. */
const stepsOf = (result: AaTransactionResult) => Object.keys(result.stepGas!).length + 1;

/** A sponsored mint from the account `from` owned by `owner`, with nonce `nonce` (default: the next one). */
async function sponsoredMint(f: WalletsFixture, owner: Parameters<typeof buildTx>[1], from: string, nonce?: bigint) {
  const pointer = randomPointer();
  return buildTx(f, owner, from, {
    to: await f.records.getAddress(),
    data: f.records.interface.encodeFunctionData("mint", [from, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND]),
    gasLimit: 1_000_000n,
    nonce,
  });
}

/** Expects every step of `result` (and nothing else) in block `result.blockNumber`, each step's receipt there. */
async function expectWholeInOneBlock(busy: { number: number; transactions: string[] }[], result: AaTransactionResult) {
  const own = busy.filter((block) => block.number === result.blockNumber);
  expect(own, `block ${result.blockNumber} among ${busy.map((b) => b.number).join(", ")}`).to.have.length(1);
  expect(own[0].transactions).to.have.length(stepsOf(result));
  for (const hash of own[0].transactions) {
    expect((await provider.getTransactionReceipt(hash))!.blockNumber).to.equal(result.blockNumber);
  }
}

describe("era-test-node: the bootloader driver runs one AA transaction in one block", function () {
  this.timeout(120_000);

  describe("on automine", () => {
    it("mines every step of a sponsored call (validate, prepare, paymaster, execute, postTransaction, refund) in one block", async () => {
      const { f, w } = await loadFixture(withAccount);
      const fromBlock = await provider.getBlockNumber();
      const result = await f.transport.submit(await sponsoredMint(f, w.owner, w.address));
      expect(result.status).to.equal("success");
      expect(Object.keys(result.stepGas!)).to.have.members([
        "validateTransaction",
        "prepareForPaymaster",
        "validateAndPayForPaymasterTransaction",
        "executeTransaction",
        "postTransaction",
      ]);
      const busy = await busyBlocksSince(fromBlock);
      expect(busy.map((block) => block.number)).to.deep.equal([fromBlock + 1]);
      await expectWholeInOneBlock(busy, result);
      // automine is back: a plain transaction is mined at once
      expect(await provider.send("hardhat_getAutomine", [])).to.equal(true);
      const receipt = await (await f.signers.deployer.sendTransaction({ to: w.address, value: 1n })).wait();
      expect(receipt!.blockNumber).to.equal(fromBlock + 2);
    });

    it("mines a reverted execution with its steps in one block; a rejection and an estimate mine no block at all", async () => {
      const { f, w } = await loadFixture(withAccount);
      let fromBlock = await provider.getBlockNumber();
      const reverting = await buildTx(f, w.owner, w.address, {
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("register", [random32()]), // already registered
        gasLimit: 1_000_000n,
      });
      const result = await f.transport.submit(reverting);
      expect(result.status).to.equal("reverted");
      await expectWholeInOneBlock(await busyBlocksSince(fromBlock), result);
      expect(await provider.getBlockNumber()).to.equal(fromBlock + 1);

      fromBlock = await provider.getBlockNumber();
      const mint = await sponsoredMint(f, w.owner, w.address);
      await expectRejected(f.transport.submit({ ...mint, nonce: mint.nonce + 5n }), "nonce", /is not the account's next nonce/);
      await expectRejected(f.transport.submit({ ...mint, signature: random32() + random32().slice(2) + "1b" }), "validation", /./);
      expect(await f.transport.estimateGas(mint)).to.be.greaterThan(100_000n);
      expect(await provider.getBlockNumber()).to.equal(fromBlock);
      expect(await provider.send("hardhat_getAutomine", [])).to.equal(true);
      // nothing was left queued: the next transaction's block holds only its own steps
      const next = await f.transport.submit(mint);
      await expectWholeInOneBlock(await busyBlocksSince(fromBlock), next);
    });

    it("lands concurrent submissions (two accounts; one account's consecutive nonces) each whole in a block of its own", async () => {
      const { f, w } = await loadFixture(withAccount);
      const other = await f.onboard();
      const otherOwner = other.owner as Parameters<typeof buildTx>[1];
      const fromBlock = await provider.getBlockNumber();
      const nonce = await f.transport.nonceOf(w.address);
      const txs = [
        await sponsoredMint(f, w.owner, w.address, nonce),
        await sponsoredMint(f, w.owner, w.address, nonce + 1n),
        await sponsoredMint(f, otherOwner, other.address),
      ];
      const results = await Promise.all(txs.map((tx) => f.transport.submit(tx)));
      expect(results.map((r) => r.status)).to.deep.equal(["success", "success", "success"]);
      const busy = await busyBlocksSince(fromBlock);
      expect(new Set(results.map((r) => r.blockNumber)).size).to.equal(3);
      expect(busy).to.have.length(3);
      for (const result of results) await expectWholeInOneBlock(busy, result);
      expect(await f.transport.nonceOf(w.address)).to.equal(nonce + 2n);
    });
  });

  describe("on a chain that mines one block every 500 ms", () => {
    afterEach(() => setBlockTime(provider));

    it("puts every step of a sponsored call into the next interval block, and the interval goes on", async () => {
      const { f, w } = await loadFixture(withAccount);
      const tx = await sponsoredMint(f, w.owner, w.address);
      await setBlockTime(provider, 500);
      const fromBlock = await provider.getBlockNumber();
      const result = await f.transport.submit(tx);
      expect(result.status).to.equal("success");
      const busy = await busyBlocksSince(fromBlock);
      expect(busy).to.have.length(1);
      await expectWholeInOneBlock(busy, result);
      // not mined by the driver on automine: automine stays off, and the interval keeps mining (empty) blocks
      expect(await provider.send("hardhat_getAutomine", [])).to.equal(false);
      const head = await provider.getBlockNumber();
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      expect(await provider.getBlockNumber()).to.be.greaterThan(head);
    });

    it("lands concurrent submissions each whole in one interval block; a rejection leaves nothing queued", async () => {
      const { f, w } = await loadFixture(withAccount);
      const other = await f.onboard();
      const nonce = await f.transport.nonceOf(w.address);
      const txs = [
        await sponsoredMint(f, w.owner, w.address, nonce),
        await sponsoredMint(f, w.owner, w.address, nonce + 1n),
        await sponsoredMint(f, other.owner as Parameters<typeof buildTx>[1], other.address),
      ];
      await setBlockTime(provider, 500);
      const fromBlock = await provider.getBlockNumber();
      const rejected = expectRejected(f.transport.submit({ ...txs[2], nonce: txs[2].nonce + 3n }), "nonce", /next nonce/);
      const results = await Promise.all(txs.map((tx) => f.transport.submit(tx)));
      await rejected;
      expect(results.map((r) => r.status)).to.deep.equal(["success", "success", "success"]);
      const busy = await busyBlocksSince(fromBlock);
      expect(busy).to.have.length(3);
      for (const result of results) await expectWholeInOneBlock(busy, result);
    });
  });
});
