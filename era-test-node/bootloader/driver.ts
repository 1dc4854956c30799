import { Interface, getAddress, recoverAddress, toBeHex } from "ethers";
import { NonceHolderDouble__factory, SponsorPaymaster__factory, TestPatientAccount__factory } from "@medrec/sdk/chain/contracts";
import { estimationSignature, signedDigest, toSystemTransaction, transactionHash, type SignedAaTransaction } from "@medrec/sdk/wallet/transaction";
import type { AaTransactionResult, AaTransport } from "@medrec/sdk/wallet/transport";
import { TransactionRejectedError, TransactionWouldRevertError, type RejectionStage } from "@medrec/sdk/wallet/errors";
import { SystemAddress } from "./system-addresses";
import { installSystemDoubles } from "./system-doubles";
import { STEP_GAS, simulate, type RpcProvider, type SystemCall } from "./impersonation";
import { inOneBlock, type PendingBlock } from "./one-block";
import { decodeRevert } from "./revert-reason";

const account = new Interface(TestPatientAccount__factory.abi);
const paymaster = new Interface(SponsorPaymaster__factory.abi);
const nonceHolder = new Interface(NonceHolderDouble__factory.abi);

const ACCOUNT_MAGIC = account.getFunction("validateTransaction")!.selector;
const PAYMASTER_MAGIC = paymaster.getFunction("validateAndPayForPaymasterTransaction")!.selector;
/** Intrinsic cost of one Ethereum transaction; the driver's steps are one AA transaction, charged once. */
const BASE_GAS = 21_000n;
/** The largest gas limit of one EVM transaction (EIP-7825, Osaka): a step never gets more. */
const MAX_STEP_GAS = 1n << 24n;
/** What an execution that runs out of the gas it may use reverts with. */
const OUT_OF_GAS = "out of gas";

/** Options of {@link bootloaderTransport}. */
export interface BootloaderDriverOptions {
  /** `maxFeePerGas` the driver reports as the current gas price. Defaults to 0.25 gwei, as on Era. */
  gasPrice?: bigint;
}

/** Submitting mines the transaction's block; estimating drops it, and runs with a stand-in signature. */
type Mode = "submit" | "estimate";

/**
 * An {@link AaTransport} that runs signed type-113 transactions on a local EVM chain (Hardhat node) the way
 * the zkSync bootloader does, step by step, each step a call from the bootloader's address:
 *
 * 1. nonce: the NonceHolder's next nonce of `from` must equal `tx.nonce`;
 * 2. validation: `validateTransaction` must return the magic value and use the nonce (an EOA sender is
 *    validated as zkSync's DefaultAccount: ECDSA over the EIP-712 digest);
 * 3. payment: without paymaster `payForTransaction`, with one `prepareForPaymaster` then
 *    `validateAndPayForPaymasterTransaction` (magic value); the bootloader must receive `gasLimit * maxFeePerGas`;
 *    steps 2–3 must fit in `gasLimit`;
 * 4. execution: `executeTransaction` (an EOA's call is sent as the EOA) with the gas left of `gasLimit`; it is
 *    mined and charged even when it reverts, keeping 1–3; when it fails for lack of gas (it would succeed with
 *    more) it reverts "out of gas" and the whole `gasLimit` is charged;
 * 5. the paymaster's `postTransaction` with the gas still left (its `maxRefundedGas`), charged too; then the
 *    refund of the unused gas to the payer.
 *
 * A failure in 1–3 rejects the transaction: the chain is rolled back to before it (`evm_snapshot`/`evm_revert`)
 * and {@link TransactionRejectedError} is thrown, as the bootloader drops it.
 *
 * All steps of one transaction land in one block, as on zkSync: with mining paused, each step is simulated on the
 * pending block (`eth_call` / `eth_estimateGas` at `pending`) and queued there with its sender's next nonce; then
 * one block is mined (`evm_mine` on automine) or, on a chain that mines by interval (set with `setBlockTime` of
 * `era-test-node/mining`), the interval is restored and its next block awaited (see {@link inOneBlock}). One
 * transaction at a time per provider object: concurrent submissions queue up, each gets its own block.
 * `nonceOf` reads the pending state.
 *
 * `estimateGas` runs the same steps on a pending block it drops afterwards (nothing is mined), with a stand-in signature
 * ({@link estimationSignature}) whose missing magic value it ignores, as a zkSync node estimates; an unsponsored
 * sender is credited the fee within the snapshot. The estimate is the gas of the steps, the execution's counted as
 * what it needs to succeed (`eth_estimateGas`), which is at least what it uses.
 * @param provider A JSON-RPC provider of a Hardhat node (impersonation, `hardhat_setCode`, snapshots).
 */
export function bootloaderTransport(provider: RpcProvider, options: BootloaderDriverOptions = {}): AaTransport {
  let installed: Promise<void> | undefined;
  const ready = () => (installed ??= installSystemDoubles(provider));
  return {
    kind: "bootloader-driver",
    async chainId() {
      return (await provider.getNetwork()).chainId;
    },
    async nonceOf(address) {
      await ready();
      const result = await simulate(provider, {
        from: SystemAddress.BOOTLOADER,
        to: SystemAddress.NONCE_HOLDER,
        data: nonceHolder.encodeFunctionData("getMinNonce", [address]),
      }, undefined, "pending");
      if (!result.ok) throw new Error(`NonceHolder double not answering: ${result.message}`);
      return BigInt(result.returnData);
    },
    async gasPrice() {
      return options.gasPrice ?? 250_000_000n;
    },
    async estimateGas(request) {
      await ready();
      const result = await runTransaction(provider, { ...request, signature: estimationSignature(request) }, this, "estimate");
      if (result.status === "reverted") throw new TransactionWouldRevertError(result.revertReason ?? "reverted");
      return result.gasUsed;
    },
    async submit(tx) {
      await ready();
      return runTransaction(provider, tx, this, "submit");
    },
  };
}

async function runTransaction(provider: RpcProvider, tx: SignedAaTransaction, transport: AaTransport, mode: Mode): Promise<AaTransactionResult> {
  const { value: result, receipts } = await inOneBlock(provider, async (block) => ({
    value: await runSteps(block, provider, tx, transport, mode),
    mine: mode === "submit",
  }));
  return receipts.length === 0 ? result : { ...result, blockNumber: receipts[0].blockNumber };
}

/**
 * The bootloader's steps of `tx`, queued on the pending block `block` (see {@link bootloaderTransport}); a
 * rejection throws (the block is then dropped). The result's `blockNumber` is the pending block's number.
 */
async function runSteps(block: PendingBlock, provider: RpcProvider, tx: SignedAaTransaction, transport: AaTransport, mode: Mode): Promise<AaTransactionResult> {
  const estimating = mode === "estimate";
  const from = getAddress(tx.from);
  const hash = transactionHash(tx);
  const digest = signedDigest(tx);
  const struct = toSystemTransaction(tx);
  const fee = tx.gasLimit * tx.maxFeePerGas;
  const payer = tx.paymaster ? getAddress(tx.paymaster.address) : from;
  const isContract = (await block.codeOf(from)) !== "0x";
  if (estimating && !tx.paymaster) {
    // Estimation credits an unsponsored sender the fee of the bound it runs with, so that the estimate does not
    // depend on the balance (within the dropped block; the submission checks the real balance against the limit signed).
    await provider.send("hardhat_setBalance", [from, toBeHex((await block.balanceOf(from)) + fee)]);
  }
  const steps: { name: string; gas: bigint }[] = [];
  /** Gas of the AA transaction so far: one base cost, plus each step's gas without its own base cost. */
  let used = BASE_GAS;

  const reject = (stage: RejectionStage, reason: string): never => {
    throw new TransactionRejectedError(stage, reason);
  };
  const charge = (name: string, gas: bigint) => {
    steps.push({ name, gas: gas - BASE_GAS });
    used += gas - BASE_GAS;
  };
  /** Queues a step that must succeed (the simulation said so); its gas is charged. */
  const send = async (call: SystemCall, name?: string) => {
    const queued = await block.queue(call, STEP_GAS);
    if (!queued) throw new Error(`the node did not take the driver's ${name ?? "refund"} step into the block`);
    if (name) charge(name, queued.gasUsed);
  };
  /** Simulates, then queues a validation or payment step; rejects the transaction at `stage` if it reverts. */
  const step = async (stage: RejectionStage, call: SystemCall, name: string): Promise<string> => {
    const outcome = await block.simulate(call);
    if (!outcome.ok) return reject(stage, decodeRevert(outcome.revertData));
    await send(call, name);
    return outcome.returnData;
  };
  const requireWithinGasLimit = (stage: RejectionStage) =>
    used > tx.gasLimit ? reject(stage, `steps up to ${stage} used ${used} gas, more than the gas limit ${tx.gasLimit}`) : undefined;
  const fromBootloader = (to: string, data: string): SystemCall => ({ from: SystemAddress.BOOTLOADER, to, data });

  // 1. nonce
  const expected = await transport.nonceOf(from);
  if (tx.nonce !== expected) return reject("nonce", `nonce ${tx.nonce} is not the account's next nonce ${expected}`);

  // 2. validation (estimation ignores the missing magic value of its stand-in signature)
  if (isContract) {
    const magic = await step(
      "validation",
      fromBootloader(from, account.encodeFunctionData("validateTransaction", [hash, digest, struct])),
      "validateTransaction",
    );
    if (!estimating && !magic.startsWith(ACCOUNT_MAGIC)) {
      return reject("validation", `account returned ${magic.slice(0, 10)}, not the magic value`);
    }
  } else {
    if (!estimating) {
      let signer: string;
      try {
        signer = recoverAddress(digest, tx.signature);
      } catch {
        return reject("validation", "malformed EOA signature");
      }
      if (signer !== from) return reject("validation", `EOA signature by ${signer}, not ${from}`);
    }
    await step(
      "validation",
      { from, to: SystemAddress.NONCE_HOLDER, data: nonceHolder.encodeFunctionData("incrementMinNonceIfEquals", [tx.nonce]) },
      "validateTransaction",
    );
  }
  if ((await transport.nonceOf(from)) !== tx.nonce + 1n) return reject("validation", "the account did not use its nonce");
  requireWithinGasLimit("validation");

  // 3. payment
  const bootloaderBefore = await block.balanceOf(SystemAddress.BOOTLOADER);
  let context = "0x";
  if (tx.paymaster) {
    if (isContract) {
      await step("payment", fromBootloader(from, account.encodeFunctionData("prepareForPaymaster", [hash, digest, struct])), "prepareForPaymaster");
    }
    const returned = await step(
      "paymaster",
      fromBootloader(payer, paymaster.encodeFunctionData("validateAndPayForPaymasterTransaction", [hash, digest, struct])),
      "validateAndPayForPaymasterTransaction",
    );
    const [magic, paymasterContext] = paymaster.decodeFunctionResult("validateAndPayForPaymasterTransaction", returned);
    if (magic !== PAYMASTER_MAGIC) return reject("paymaster", `paymaster returned ${magic}, not the magic value`);
    context = paymasterContext as string;
  } else if (isContract) {
    await step("payment", fromBootloader(from, account.encodeFunctionData("payForTransaction", [hash, digest, struct])), "payForTransaction");
  } else {
    if ((await block.balanceOf(from)) < fee + (tx.value ?? 0n)) return reject("payment", "the sender cannot pay the fee");
    await step("payment", { from, to: SystemAddress.BOOTLOADER, data: "0x", value: fee }, "payForTransaction");
  }
  if ((await block.balanceOf(SystemAddress.BOOTLOADER)) - bootloaderBefore < fee) {
    return reject(tx.paymaster ? "paymaster" : "payment", "the bootloader did not receive the fee");
  }
  requireWithinGasLimit(tx.paymaster ? "paymaster" : "payment");

  // 4. execution, with the gas left of gasLimit; mined and charged whatever its outcome
  const execution: SystemCall = isContract
    ? fromBootloader(from, account.encodeFunctionData("executeTransaction", [hash, digest, struct]))
    : { from, to: tx.to, data: tx.data, value: tx.value };
  const executionGas = stepGas(tx.gasLimit - used);
  const needed = estimating ? await block.gasNeeded(execution, executionGas) : undefined;
  const outcome = await block.simulate(execution, executionGas);
  // Out of gas: it fails with the gas left and succeeds with more (an inner call's out-of-gas surfaces as an empty
  // revert of the account). Asked before the execution is queued, on the same state.
  const succeedsWithMoreGas = !outcome.ok && (await block.simulate(execution, MAX_STEP_GAS)).ok;
  const executed = await block.queue(execution, executionGas);
  let revertReason: string | undefined;
  if (executed) charge("executeTransaction", needed !== undefined && needed > executed.gasUsed ? needed : executed.gasUsed);
  if (!executed || !outcome.ok) {
    // It could not even start, or it ran out of gas: then the whole gas limit is spent.
    if (!executed || succeedsWithMoreGas) {
      revertReason = OUT_OF_GAS;
      used = tx.gasLimit;
    } else {
      revertReason = outcome.ok ? "reverted" : decodeRevert(outcome.revertData);
    }
  }

  // 5. postTransaction with the gas left (maxRefundedGas, as the bootloader passes it), then the refund
  if (tx.paymaster && used < tx.gasLimit) {
    const gasLeft = tx.gasLimit - used;
    const post = fromBootloader(
      payer,
      paymaster.encodeFunctionData("postTransaction", [context, struct, hash, digest, revertReason ? 0 : 1, gasLeft]),
    );
    // As on zkSync, a failing postTransaction does not undo the transaction; its gas is charged all the same.
    const posted = await block.queue(post, stepGas(gasLeft));
    if (posted) charge("postTransaction", posted.gasUsed);
  }
  const gasUsed = used < tx.gasLimit ? used : tx.gasLimit;
  const refundedGas = tx.gasLimit - gasUsed;
  if (refundedGas > 0n && tx.maxFeePerGas > 0n) {
    const refund: SystemCall = { from: SystemAddress.BOOTLOADER, to: payer, data: "0x", value: refundedGas * tx.maxFeePerGas };
    const outcome = await block.simulate(refund);
    if (!outcome.ok) throw new Error(`the refund to ${payer} reverts: ${decodeRevert(outcome.revertData)}`);
    await send(refund);
  }
  return {
    hash,
    status: revertReason ? "reverted" : "success",
    gasUsed,
    fee: gasUsed * tx.maxFeePerGas,
    blockNumber: Number(BigInt((await provider.send("eth_blockNumber", [])) as string)) + 1,
    revertReason,
    stepGas: Object.fromEntries(steps.map(({ name, gas }) => [name, gas])),
  };
}

/** The EVM gas limit of a step that may use `aaGas` of the AA transaction (its own base cost on top). */
function stepGas(aaGas: bigint): bigint {
  const gas = aaGas + BASE_GAS;
  return gas < MAX_STEP_GAS ? gas : MAX_STEP_GAS;
}
