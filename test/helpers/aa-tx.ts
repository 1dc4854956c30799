import { expect } from "chai";
import { ethers } from "hardhat";
import { Interface, Signature, concat, dataSlice, hexlify, toBeHex, zeroPadValue, type BaseContract, type Signer } from "ethers";
import {
  TransactionRejectedError,
  TransactionRevertedError,
  TransactionWouldRevertError,
  signAaTransaction,
  sponsorParams,
  type AaTransactionResult,
  type PaymasterParams,
  type RejectionStage,
  type SignedAaTransaction,
} from "../../sdk/wallet";
import { SystemAddress } from "../../era-test-node/bootloader/system-addresses";
import { TestPatientAccount__factory } from "../../sdk/chain/contracts";
import type { WalletsFixture } from "./wallet-fixture";

/** Order of the secp256k1 group (to build the high-s twin of a signature). */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * The gas limit of a raw test transaction ({@link buildTx}) unless given: the SDK estimates instead, but raw
 * transactions are often meant to be refused, which an estimate cannot size.
 */
export const RAW_TX_GAS_LIMIT = 3_000_000n;

/** The account's ABI (executeBatch, proposeGuardians, …) for encoding calls. */
export const accountInterface = new Interface(TestPatientAccount__factory.abi);

/** What a raw transaction carries besides sender and signer; everything but `to`/`data` has a default. */
export interface RawTxOptions {
  to: string;
  data: string;
  value?: bigint;
  /** Defaults to the sender's next nonce. */
  nonce?: bigint;
  /** Defaults to {@link RAW_TX_GAS_LIMIT}. */
  gasLimit?: bigint;
  maxFeePerGas?: bigint;
  /** Defaults to the fixture paymaster (general flow, empty inner input); `null` for an unsponsored transaction. */
  paymaster?: PaymasterParams | null;
}

/** Builds and signs a type-113 transaction from `from` with `signer`, without submitting it. */
export async function buildTx(f: WalletsFixture, signer: Signer, from: string, options: RawTxOptions): Promise<SignedAaTransaction> {
  return signAaTransaction(signer, {
    chainId: f.chainId,
    from,
    to: options.to,
    data: options.data,
    value: options.value ?? 0n,
    nonce: options.nonce ?? (await f.transport.nonceOf(from)),
    gasLimit: options.gasLimit ?? RAW_TX_GAS_LIMIT,
    maxFeePerGas: options.maxFeePerGas ?? (await f.transport.gasPrice()),
    paymaster: options.paymaster === null ? undefined : (options.paymaster ?? sponsorParams(f.wallets.SponsorPaymaster.address)),
  });
}

/**
 * Awaits `promise`, expects a {@link TransactionRejectedError} at `stage` whose reason matches `reason`, and
 * returns it.
 */
export async function expectRejected(promise: Promise<unknown>, stage: RejectionStage, reason: RegExp): Promise<TransactionRejectedError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, "the transaction was not rejected").to.be.instanceOf(TransactionRejectedError);
  const rejection = caught as TransactionRejectedError;
  expect(rejection.reason, `stage ${rejection.stage}`).to.match(reason);
  expect(rejection.stage, rejection.reason).to.equal(stage);
  return rejection;
}

/** Awaits `promise`, expects a {@link TransactionRevertedError} (included, execution reverted) matching `reason`. */
export async function expectReverted(promise: Promise<unknown>, reason: RegExp): Promise<TransactionRevertedError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, "the transaction did not revert").to.be.instanceOf(TransactionRevertedError);
  const reverted = caught as TransactionRevertedError;
  expect(reverted.reason).to.match(reason);
  return reverted;
}

/**
 * Awaits `promise`, expects a {@link TransactionWouldRevertError} (the estimate ran the execution and it reverted;
 * nothing was sent) matching `reason`.
 */
export async function expectWouldRevert(promise: Promise<unknown>, reason: RegExp): Promise<TransactionWouldRevertError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, "the estimate did not refuse the transaction").to.be.instanceOf(TransactionWouldRevertError);
  const refused = caught as TransactionWouldRevertError;
  expect(refused.reason).to.match(reason);
  return refused;
}

/** A regular expression matching the decoded custom error `name(args…)`, addresses compared case-insensitively. */
export function errorReason(name: string, ...args: (string | bigint | number)[]): RegExp {
  const escaped = args.map((arg) => String(arg).replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${name}\\(${escaped.join(", ")}\\)$`, "i");
}

/**
 * The gas a sponsored transaction leaves on the paymaster's daily budget: all it used but postTransaction's own
 * gas, since postTransaction gives back `maxRefundedGas`, the gas left before that call (as zkSync's bootloader
 * passes it), and cannot know what it spends itself.
 */
export function budgetCharged(result: AaTransactionResult): bigint {
  return result.gasUsed - (result.stepGas?.postTransaction ?? 0n);
}

/** What a rejected transaction must leave untouched. */
export interface ChainState {
  nonces: Record<string, bigint>;
  balances: Record<string, bigint>;
  quotas: Record<string, bigint>;
  paymaster: bigint;
  bootloader: bigint;
}

/** Nonces, ETH balances and paymaster quotas of `addresses`, plus the paymaster's and the bootloader's ETH. */
export async function chainState(f: WalletsFixture, addresses: string[]): Promise<ChainState> {
  const state: ChainState = {
    nonces: {},
    balances: {},
    quotas: {},
    paymaster: await ethers.provider.getBalance(f.wallets.SponsorPaymaster.address),
    bootloader: await ethers.provider.getBalance(SystemAddress.BOOTLOADER),
  };
  for (const address of addresses) {
    state.nonces[address] = await f.transport.nonceOf(address);
    state.balances[address] = await ethers.provider.getBalance(address);
    state.quotas[address] = (await f.paymaster.quotaOf(address)).used;
  }
  return state;
}

/** Expects `chainState(f, addresses)` to equal `before`. */
export async function expectUnchanged(f: WalletsFixture, before: ChainState): Promise<void> {
  expect(await chainState(f, Object.keys(before.nonces))).to.deep.equal(before);
}

/** The high-s twin of a 65-byte signature: s → n − s, v flipped (same signer for raw ecrecover). */
export function malleate(signature: string): string {
  const sig = Signature.from(signature);
  const highS = SECP256K1_N - BigInt(sig.s);
  const v = sig.v === 27 ? 28 : 27;
  return concat([sig.r, toBeHex(highS, 32), toBeHex(v, 1)]);
}

/** `signature` cut to 64 bytes (r, s). */
export const truncated = (signature: string): string => dataSlice(signature, 0, 64);
/** `signature` with one extra byte. */
export const padded = (signature: string): string => concat([signature, "0x00"]);
/** `signature` with its `v` byte set to `v`. */
export const withV = (signature: string, v: number): string => concat([dataSlice(signature, 0, 64), toBeHex(v, 1)]);

/** The parsed `eventName` logs of `contract` mined from block `fromBlock` on. */
export async function eventsSince(contract: BaseContract, eventName: string, fromBlock: number) {
  const logs = await ethers.provider.getLogs({ address: await contract.getAddress(), fromBlock, toBlock: "latest" });
  return logs
    .map((log) => {
      try {
        return contract.interface.parseLog(log);
      } catch {
        return null;
      }
    })
    .filter((parsed) => parsed?.name === eventName)
    .map((parsed) => parsed!.args);
}

/** Sets the NonceHolder double's next nonce of `account` (slot of `_minNonce[account]`, mapping at slot 0). */
export async function setNonceHolderNonce(account: string, nonce: bigint): Promise<void> {
  const slot = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [account, 0n]));
  await ethers.provider.send("hardhat_setStorageAt", [SystemAddress.NONCE_HOLDER, slot, zeroPadValue(toBeHex(nonce), 32)]);
}

/** A random 32-byte value as hex. */
export const random32 = (): string => hexlify(ethers.randomBytes(32));
