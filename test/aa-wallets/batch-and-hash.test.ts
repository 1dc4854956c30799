import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { ZeroHash, dataSlice, getAddress, hexlify, parseEther, recoverAddress, toBeHex } from "ethers";
import { deployWithAccountFixture } from "../helpers/wallet-fixture";
import { randomPointer, randomSalt, RECORD_KIND } from "../helpers/fixture";
import { accountInterface, buildTx, chainState, eventsSince, expectUnchanged, expectWouldRevert, random32, setNonceHolderNonce } from "../helpers/aa-tx";
import {
  signAaTransaction,
  sendSponsored,
  signedDigest,
  sponsorParams,
  toSystemTransaction,
  transactionHash,
  type AaTransactionRequest,
  type SignedAaTransaction,
} from "../../sdk/wallet";
import { ALL_RECORDS, Scope } from "../../sdk/vocabulary";
import { simulate } from "../../era-test-node/bootloader/impersonation";
import { decodeRevert } from "../../era-test-node/bootloader/revert-reason";
import { SystemAddress } from "../../era-test-node/bootloader/system-addresses";

/** `validateTransaction`'s selector: the magic value an account returns on success. */
const ACCOUNT_MAGIC = "0x202bcce7";

const withAccount = deployWithAccountFixture;

/**
 * Asks the account, as the bootloader, to validate `tx` while hashing it itself (suggestedSignedHash = 0), after
 * setting its NonceHolder nonce to `tx.nonce`. Returns the magic value or the decoded revert.
 */
async function validateHashingOnChain(account: string, tx: SignedAaTransaction): Promise<{ ok: boolean; result: string }> {
  await setNonceHolderNonce(account, tx.nonce);
  const data = accountInterface.encodeFunctionData("validateTransaction", [transactionHash(tx), ZeroHash, toSystemTransaction(tx)]);
  const outcome = await simulate(ethers.provider, { from: SystemAddress.BOOTLOADER, to: account, data });
  return outcome.ok ? { ok: true, result: dataSlice(outcome.returnData, 0, 4) } : { ok: false, result: decodeRevert(outcome.revertData) };
}

const uint = (bits: number, min = 0n) => fc.bigInt({ min, max: (1n << BigInt(bits)) - 1n });
const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => getAddress(hexlify(bytes)));
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((b) => hexlify(b));

describe("aa-wallets: transaction hash equivalence and batches", () => {
  describe("hash equivalence with zksync-ethers", () => {
    it("accepts, hashing on-chain, exactly the digest zksync-ethers signs, for random transactions", async () => {
      const { f, w } = await loadFixture(withAccount);
      // the account must afford gasLimit * maxFeePerGas when no paymaster pays
      await ethers.provider.send("hardhat_setBalance", [w.address, toBeHex(1n << 128n)]);
      const paymaster = fc.oneof(
        fc.constant(undefined),
        fc.tuple(address, bytes(200)).map(([pm, inner]) => sponsorParams(pm, inner)),
        fc.tuple(address, bytes(100)).map(([pm, input]) => ({ address: pm, input })),
      );
      const request = fc.record({
        to: address,
        data: bytes(300),
        nonce: uint(40),
        gasLimit: uint(32),
        maxFeePerGas: uint(64),
        // a zero priority fee is its own (failing) test below: zksync-ethers signs maxFeePerGas in its place
        maxPriorityFeePerGas: fc.option(uint(64, 1n), { nil: undefined }),
        gasPerPubdata: fc.option(uint(32), { nil: undefined }),
        paymaster,
      });
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const unsigned: AaTransactionRequest = { chainId: f.chainId, from: w.address, value: 0n, ...r };
          const tx = await signAaTransaction(w.owner, unsigned);
          // the signature is over zksync-ethers' digest…
          expect(recoverAddress(signedDigest(tx), tx.signature)).to.equal(w.owner.address);
          // …and the account, computing the EIP-712 hash from the system struct, accepts it
          expect(await validateHashingOnChain(w.address, tx)).to.deep.equal({ ok: true, result: ACCOUNT_MAGIC });
          // changing any signed field breaks it (the check is not vacuous): no magic value, and no revert either
          const tampered = { ...tx, gasLimit: tx.gasLimit + 1n };
          expect(await validateHashingOnChain(w.address, tampered)).to.deep.equal({ ok: true, result: "0x00000000" });
        }),
        { numRuns: 25 },
      );
    });

    it("accepts the digest zksync-ethers signs when maxPriorityFeePerGas is 0", async () => {
      const { f, w } = await loadFixture(withAccount);
      await ethers.provider.send("hardhat_setBalance", [w.address, toBeHex(parseEther("1"))]);
      const tx = await signAaTransaction(w.owner, {
        chainId: f.chainId,
        from: w.address,
        to: await f.patients.getAddress(),
        data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]),
        nonce: 0n,
        gasLimit: 3_000_000n,
        maxFeePerGas: 250_000_000n,
        maxPriorityFeePerGas: 0n,
        paymaster: sponsorParams(f.wallets.SponsorPaymaster.address),
      });
      // zksync-ethers signs (and serializes for a real node) `maxPriorityFeePerGas || maxFeePerGas`, so the struct the
      // bootloader hands the account carries maxFeePerGas there; the account must accept the owner's signature.
      expect(await validateHashingOnChain(w.address, tx)).to.deep.equal({ ok: true, result: ACCOUNT_MAGIC });
    });
  });

  describe("executeBatch", () => {
    it("runs every call of a sponsored batch in order, paid by the paymaster", async () => {
      const { f, w } = await loadFixture(withAccount);
      const newKey = random32();
      const pointer = randomPointer();
      const consent = await f.consentFor({ patient: w.address, tokenId: ALL_RECORDS, scopes: Scope.READ });
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      const result = await sendSponsored(f.context, w, [
        { target: await f.patients.getAddress(), data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [newKey]) },
        { target: await f.records.getAddress(), data: f.records.interface.encodeFunctionData("mint", [w.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND]) },
        { target: await f.consents.getAddress(), data: f.consents.interface.encodeFunctionData("grantDirect", [consent]) },
      ]);
      expect(result.status).to.equal("success");
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(newKey);
      const minted = await eventsSince(f.records, "RecordMinted", fromBlock);
      expect(minted).to.have.length(1);
      expect(minted[0].patient).to.equal(w.address);
      expect(minted[0].issuer).to.equal(w.address);
      expect(await f.records.patientOf(minted[0].tokenId)).to.equal(w.address);
      expect((await f.consents.grantOf(w.address, ALL_RECORDS, f.signers.provider.address)).scopes).to.equal(BigInt(Scope.READ));
      expect(await f.consents.hasAccess(f.signers.provider.address, minted[0].tokenId, Scope.READ)).to.equal(true);
      // one sponsored transaction: the account itself calling executeBatch
      const sponsored = await eventsSince(f.paymaster, "Sponsored", fromBlock);
      expect(sponsored.map((args) => [args.sender, args.target, args.selector])).to.deep.equal([
        [w.address, w.address, accountInterface.getFunction("executeBatch")!.selector],
      ]);
      expect(await f.transport.nonceOf(w.address)).to.equal(1n);
      expect(await ethers.provider.getBalance(w.address)).to.equal(0n);
    });

    it("refuses at the estimate a batch with a failing inner call: nothing is sent, nothing paid, the nonce stays free", async () => {
      const { f, w } = await loadFixture(withAccount);
      const pointer = randomPointer();
      const before = await chainState(f, [w.address]);
      await expectWouldRevert(
        sendSponsored(f.context, w, [
          { target: await f.patients.getAddress(), data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]) },
          { target: await f.records.getAddress(), data: f.records.interface.encodeFunctionData("mint", [w.address, randomSalt(), "0x", pointer.contentHash, RECORD_KIND]) },
        ]),
        /^InvalidCid\(\)$/,
      );
      await expectUnchanged(f, before);
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(w.encryptionKey);
    });

    it("is all or nothing once included: a failing inner call undoes the earlier ones, the nonce is used and the settlement says failure", async () => {
      const { f, w } = await loadFixture(withAccount);
      const pointer = randomPointer();
      const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
      const pmBefore = await ethers.provider.getBalance(f.wallets.SponsorPaymaster.address);
      const batch = accountInterface.encodeFunctionData("executeBatch", [
        [
          { target: await f.patients.getAddress(), value: 0n, data: f.patients.interface.encodeFunctionData("rotateEncryptionKey", [random32()]) },
          { target: await f.records.getAddress(), value: 0n, data: f.records.interface.encodeFunctionData("mint", [w.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND]) },
          // an empty CID is refused by RecordToken.mint
          { target: await f.records.getAddress(), value: 0n, data: f.records.interface.encodeFunctionData("mint", [w.address, randomSalt(), "0x", pointer.contentHash, RECORD_KIND]) },
        ],
      ]);
      // sent as is (no estimate): included, and its execution reverts
      const result = await f.transport.submit(await buildTx(f, w.owner, w.address, { to: w.address, data: batch }));
      expect(result.status).to.equal("reverted");
      expect(result.revertReason).to.match(/^InvalidCid\(\)$/);
      expect(result.hash).to.match(/^0x[0-9a-f]{64}$/);
      expect(await f.patients.encryptionKeyOf(w.address)).to.equal(w.encryptionKey);
      expect(await eventsSince(f.records, "RecordMinted", fromBlock)).to.have.length(0);
      expect(await f.transport.nonceOf(w.address)).to.equal(1n);
      const settled = await eventsSince(f.paymaster, "SponsorshipSettled", fromBlock);
      expect(settled).to.have.length(1);
      expect(settled[0].success).to.equal(false);
      expect(pmBefore - (await ethers.provider.getBalance(f.wallets.SponsorPaymaster.address))).to.equal(result.fee);
    });
  });
});
