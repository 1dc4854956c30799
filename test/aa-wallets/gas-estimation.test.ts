import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { parseEther } from "ethers";
import type { Provider as ZkProvider, types } from "zksync-ethers";
import { deployWithAccountFixture } from "../helpers/wallet-fixture";
import { randomPointer, randomSalt, RECORD_KIND } from "../helpers/fixture";
import { ParticipantKind } from "../../sdk/chain/participant-kind";
import {
  RAW_TX_GAS_LIMIT,
  accountInterface,
  budgetCharged,
  chainState,
  eventsSince,
  expectRejected,
  expectUnchanged,
  expectWouldRevert,
  random32,
} from "../helpers/aa-tx";
import {
  GAS_ESTIMATE_HEADROOM_PERCENT,
  TransactionRejectedError,
  TransactionWouldRevertError,
  gasLimitFor,
  sendSponsored,
  signAaTransaction,
  sponsorParams,
  sponsoredGasBound,
  zkSyncNodeTransport,
  type AaTransactionRequest,
  type AccountCall,
} from "../../sdk/wallet";

const withAccount = deployWithAccountFixture;
type Fixture = Awaited<ReturnType<typeof withAccount>>;

/** An unsigned sponsored transaction of `w` making `call`, sized with `gasLimit`. */
async function request({ f, w }: Fixture, call: AccountCall, gasLimit: bigint): Promise<AaTransactionRequest> {
  return {
    chainId: f.chainId,
    from: w.address,
    to: call.target,
    data: call.data,
    value: 0n,
    nonce: await f.transport.nonceOf(w.address),
    gasLimit,
    maxFeePerGas: await f.transport.gasPrice(),
    paymaster: sponsorParams(f.wallets.SponsorPaymaster.address),
  };
}

const rotation = async ({ f }: Fixture): Promise<AccountCall> => ({
  target: await f.patients.getAddress(),
  data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
});

describe("sdk/wallet: gas estimation", () => {
  it("makes sponsored transactions reserve their estimate, not 3 M: the reservation is ≥ the gas used and < 3 M", async () => {
    const fx = await loadFixture(withAccount);
    const { f, w } = fx;
    const pointer = randomPointer();
    const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
    const result = await sendSponsored(f.context, w, [
      { target: await f.records.getAddress(), data: f.records.interface.encodeFunctionData("mint", [w.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND]) },
    ]);
    const [sponsored] = await eventsSince(f.paymaster, "Sponsored", fromBlock);
    const reserved = sponsored.gasLimit as bigint;
    expect(reserved).to.be.at.least(result.gasUsed).and.lessThan(RAW_TX_GAS_LIMIT);
    // the estimate plus its headroom, no more
    expect(reserved).to.be.at.most((result.gasUsed * (100n + GAS_ESTIMATE_HEADROOM_PERCENT)) / 100n + 10_000n);
    const { used } = await f.paymaster.quotaOf(w.address);
    expect(used).to.equal(budgetCharged(result)).and.lessThan(RAW_TX_GAS_LIMIT);
  });

  it("leaves the chain unchanged when estimating (nonces, balances, quotas, spend, vouchers, blocks)", async () => {
    const fx = await loadFixture(withAccount);
    const { f, w } = fx;
    const owner = f.newOwner();
    const salt = random32();
    const voucher = await f.voucherFor(owner.address);
    const predicted = await f.factory.accountAddress(owner.address, salt);
    const before = await chainState(f, [w.address, owner.address]);
    const spend = await f.paymaster.dailySpend();
    const block = await ethers.provider.getBlockNumber();
    const bound = (await f.paymaster.quotaOf(w.address)).remaining;
    // a sponsored call, an unsponsored one (the account holds no ETH: estimation credits it within its snapshot)
    expect(await f.transport.estimateGas(await request(fx, await rotation(fx), bound))).to.be.greaterThan(50_000n);
    expect(await f.transport.estimateGas({ ...(await request(fx, await rotation(fx), 5_000_000n)), paymaster: undefined })).to.be.greaterThan(50_000n);
    // and an onboarding with a voucher: neither the voucher nor the account is used up
    const onboarding: AaTransactionRequest = {
      chainId: f.chainId,
      from: owner.address,
      to: await f.factory.getAddress(),
      data: f.factory.interface.encodeFunctionData("createAccount", [owner.address, salt, random32()]),
      nonce: 0n,
      gasLimit: bound,
      maxFeePerGas: await f.transport.gasPrice(),
      paymaster: sponsorParams(f.wallets.SponsorPaymaster.address, voucher),
    };
    expect(await f.transport.estimateGas(onboarding)).to.be.greaterThan(1_000_000n);
    await expectUnchanged(f, before);
    expect(await f.paymaster.dailySpend()).to.deep.equal(spend);
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    expect(await ethers.provider.getCode(predicted)).to.equal("0x");
    expect(await f.paymaster.isSponsoredAccount(predicted)).to.equal(false);
    const [nonce] = ethers.AbiCoder.defaultAbiCoder().decode(["uint256", "uint64", "bytes"], voucher);
    expect(await f.paymaster.isVoucherUsed(nonce)).to.equal(false);
  });

  it("estimates enough: signed with exactly the estimate, a mint, a batch and a burn (which frees storage) succeed", async () => {
    const fx = await loadFixture(withAccount);
    const { f, w } = fx;
    const records = await f.records.getAddress();
    const sendAtEstimate = async (call: AccountCall) => {
      const bound = (await f.paymaster.quotaOf(w.address)).remaining;
      const unsigned = await request(fx, call, bound);
      const estimate = await f.transport.estimateGas(unsigned);
      const result = await f.transport.submit(await signAaTransaction(w.owner, { ...unsigned, gasLimit: estimate }));
      expect(result.status, call.data.slice(0, 10)).to.equal("success");
      expect(result.gasUsed).to.be.at.most(estimate);
      return result;
    };
    const pointer = randomPointer();
    const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
    await sendAtEstimate({ target: records, data: f.records.interface.encodeFunctionData("mint", [w.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND]) });
    const [minted] = await eventsSince(f.records, "RecordMinted", fromBlock);
    const second = randomPointer();
    await sendAtEstimate({
      target: w.address,
      data: accountInterface.encodeFunctionData("executeBatch", [
        [
          { target: await f.patients.getAddress(), value: 0n, data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]) },
          { target: records, value: 0n, data: f.records.interface.encodeFunctionData("mint", [w.address, randomSalt(), second.cid, second.contentHash, RECORD_KIND]) },
        ],
      ]),
    });
    await sendAtEstimate({ target: records, data: f.records.interface.encodeFunctionData("burn", [minted.tokenId]) });
    expect(await f.records.balanceOf(w.address)).to.equal(1n);
  });

  it("uses an explicit context.gasLimit as is (no estimate)", async () => {
    const fx = await loadFixture(withAccount);
    const { f, w } = fx;
    const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
    await sendSponsored({ ...f.context, gasLimit: 777_777n }, w, [await rotation(fx)]);
    const [sponsored] = await eventsSince(f.paymaster, "Sponsored", fromBlock);
    expect(sponsored.gasLimit).to.equal(777_777n);
  });

  it("refuses at the estimate what the chain would refuse, changing nothing: a call not sponsored, an execution that reverts", async () => {
    const fx = await loadFixture(withAccount);
    const { f, w } = fx;
    const before = await chainState(f, [w.address]);
    const providers = await f.providers.getAddress();
    await expectRejected(
      sendSponsored(f.context, w, [
        { target: providers, data: f.providers.interface.encodeFunctionData("register", [w.address, ParticipantKind.Provider, random32(), random32()]) },
      ]),
      "paymaster",
      /^CallNotSponsored\(/,
    );
    await expectWouldRevert(
      sendSponsored(f.context, w, [{ target: await f.patients.getAddress(), data: f.patients.interface.encodeFunctionData("register", [random32()]) }]),
      /^PatientAlreadyRegistered\(/,
    );
    await expectUnchanged(f, before);
  });

  it("estimates within the sender's remaining quota: a transaction that needs more would run out of gas", async () => {
    const fx = await loadFixture(withAccount);
    const { f, w } = fx;
    await f.paymaster.setDailyGasBudget(250_000n);
    expect(await sponsoredGasBound(f.context.provider, f.wallets.SponsorPaymaster.address, w.address, await f.transport.gasPrice())).to.equal(250_000n);
    // six records in one mintBatch need well over 250 000 gas
    const entries = Array.from({ length: 6 }, () => {
      const pointer = randomPointer();
      return { salt: randomSalt(), contentHash: pointer.contentHash, recordKind: RECORD_KIND, cid: pointer.cid };
    });
    const before = await chainState(f, [w.address]);
    await expectWouldRevert(
      sendSponsored(f.context, w, [
        { target: await f.records.getAddress(), data: f.records.interface.encodeFunctionData("mintBatch", [w.address, entries]) },
      ]),
      /^out of gas$/,
    );
    await expectUnchanged(f, before);
    // a small transaction still fits, and its limit stays within the quota
    const result = await sendSponsored(f.context, w, [await rotation(fx)]);
    expect(result.status).to.equal("success");
  });

  it("bounds the estimate by the day's spend cap and the paymaster's balance too", async () => {
    const fx = await loadFixture(withAccount);
    const { f, w } = fx;
    const price = await f.transport.gasPrice();
    const pm = f.wallets.SponsorPaymaster.address;
    const day = BigInt(await time.latest()) / 86_400n;
    await time.increaseTo((day + 1n) * 86_400n + 60n);
    await f.paymaster.setDailySpendCap(400_000n * price);
    expect(await sponsoredGasBound(f.context.provider, pm, w.address, price)).to.equal(400_000n);
    await f.paymaster.withdraw(f.signers.deployer.address, (await ethers.provider.getBalance(pm)) - 300_000n * price);
    expect(await sponsoredGasBound(f.context.provider, pm, w.address, price)).to.equal(300_000n);
    const { gasLimit: _unused, ...unsized } = await request(fx, await rotation(fx), 0n);
    const limit = await gasLimitFor(f.transport, f.context.provider, unsized);
    expect(limit).to.be.at.most(300_000n);
  });

  describe("zkSyncNodeTransport (adapter; a real node is not reachable offline)", () => {
    /** A zksync-ethers provider stand-in that records the estimate request and answers `answer`. */
    function stubProvider(answer: () => Promise<bigint>) {
      const seen: types.TransactionRequest[] = [];
      const provider = {
        estimateGas: async (tx: types.TransactionRequest) => {
          seen.push(tx);
          return answer();
        },
      } as unknown as ZkProvider;
      return { provider, seen };
    }

    const unsigned = (): AaTransactionRequest => ({
      chainId: 260n,
      from: "0x00000000000000000000000000000000000000a1",
      to: "0x00000000000000000000000000000000000000b2",
      data: "0x1234",
      nonce: 3n,
      gasLimit: 4_000_000n,
      maxFeePerGas: 250_000_000n,
      paymaster: sponsorParams("0x00000000000000000000000000000000000000c3"),
    });

    it("asks the node's eth_estimateGas for the type-113 request with its paymaster, the bound as gasLimit and a 65-byte stand-in signature", async () => {
      const { provider, seen } = stubProvider(async () => 123_456n);
      expect(await zkSyncNodeTransport(provider).estimateGas(unsigned())).to.equal(123_456n);
      expect(seen).to.have.length(1);
      const [tx] = seen;
      expect(tx.type).to.equal(113);
      expect(tx.gasLimit).to.equal(4_000_000n);
      expect(tx.customData?.paymasterParams?.paymaster).to.equal("0x00000000000000000000000000000000000000c3");
      expect(ethers.dataLength(tx.customData!.customSignature!)).to.equal(65);
    });

    it("maps the node's refusals: validation errors to TransactionRejectedError, execution reverts to TransactionWouldRevertError", async () => {
      const cases: [string, new (...args: never[]) => Error, string?][] = [
        ["failed to validate the transaction. reason: Validation revert: Account validation error", TransactionRejectedError, "validation"],
        ["failed to validate the transaction. reason: Paymaster validation error: CallNotSponsored", TransactionRejectedError, "paymaster"],
        ["execution reverted: InvalidCid()", TransactionWouldRevertError],
      ];
      for (const [message, cls, stage] of cases) {
        const { provider } = stubProvider(async () => {
          throw new Error(message);
        });
        const error = await zkSyncNodeTransport(provider).estimateGas(unsigned()).catch((e: unknown) => e);
        expect(error, message).to.be.instanceOf(cls);
        if (stage) expect((error as TransactionRejectedError).stage).to.equal(stage);
      }
    });
  });

  it("funds nothing: an unsponsored transaction signed with its estimate still needs the account's own ETH", async () => {
    const fx = await loadFixture(withAccount);
    const { f, w } = fx;
    const before = await chainState(f, [w.address]);
    await expectRejected(
      sendSponsored({ ...f.context, paymaster: undefined }, w, [await rotation(fx)]),
      "validation",
      /^InsufficientBalance\(\d+, 0\)$/,
    );
    await expectUnchanged(f, before);
    await f.signers.deployer.sendTransaction({ to: w.address, value: parseEther("0.01") });
    const result = await sendSponsored({ ...f.context, paymaster: undefined }, w, [await rotation(fx)]);
    expect(result.status).to.equal("success");
  });
});
