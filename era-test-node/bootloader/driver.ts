import { Interface, getAddress, recoverAddress, type TransactionReceipt } from "ethers";
import { NonceHolderDouble__factory, SponsorPaymaster__factory, TestPatientAccount__factory } from "../../typechain-types";
import { signedDigest, toSystemTransaction, transactionHash, type SignedAaTransaction } from "../../sdk/wallet/transaction";
import type { AaTransactionResult, AaTransport } from "../../sdk/wallet/transport";
import { TransactionRejectedError, type RejectionStage } from "../../sdk/wallet/errors";
import { SystemAddress } from "./system-addresses";
import { installSystemDoubles } from "./system-doubles";
import { sendAs, simulate, type RpcProvider, type SystemCall } from "./impersonation";
import { decodeRevert } from "./revert-reason";

const account = new Interface(TestPatientAccount__factory.abi);
const paymaster = new Interface(SponsorPaymaster__factory.abi);
const nonceHolder = new Interface(NonceHolderDouble__factory.abi);

const ACCOUNT_MAGIC = account.getFunction("validateTransaction")!.selector;
const PAYMASTER_MAGIC = paymaster.getFunction("validateAndPayForPaymasterTransaction")!.selector;
/** Intrinsic cost of one Ethereum transaction; the driver's steps are one AA transaction, charged once. */
const BASE_GAS = 21_000n;

/** Options of {@link bootloaderTransport}. */
export interface BootloaderDriverOptions {
  /** `maxFeePerGas` the driver reports as the current gas price. Defaults to 0.25 gwei, as on Era. */
  gasPrice?: bigint;
}

/**
 * An {@link AaTransport} that runs signed type-113 transactions on a local EVM chain (Hardhat node) the way
 * the zkSync bootloader does, step by step, each step a call from the bootloader's address:
 *
 * 1. nonce: the NonceHolder's next nonce of `from` must equal `tx.nonce`;
 * 2. validation: `validateTransaction` must return the magic value and use the nonce (an EOA sender is
 *    validated as zkSync's DefaultAccount: ECDSA over the EIP-712 digest);
 * 3. payment: without paymaster `payForTransaction`, with one `prepareForPaymaster` then
 *    `validateAndPayForPaymasterTransaction` (magic value); the bootloader must receive `gasLimit * maxFeePerGas`;
 * 4. execution: `executeTransaction` (an EOA's call is sent as the EOA); a revert here keeps steps 1–3;
 * 5. refund of unused gas to the payer, then the paymaster's `postTransaction`.
 *
 * A failure in 1–3 rejects the transaction: the chain is rolled back to before it (`evm_snapshot`/`evm_revert`)
 * and {@link TransactionRejectedError} is thrown, as the bootloader drops it. Steps run as separate blocks.
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
      });
      if (!result.ok) throw new Error(`NonceHolder double not answering: ${result.message}`);
      return BigInt(result.returnData);
    },
    async gasPrice() {
      return options.gasPrice ?? 250_000_000n;
    },
    async submit(tx) {
      await ready();
      return runTransaction(provider, tx, this);
    },
  };
}

async function runTransaction(provider: RpcProvider, tx: SignedAaTransaction, transport: AaTransport): Promise<AaTransactionResult> {
  const from = getAddress(tx.from);
  const hash = transactionHash(tx);
  const digest = signedDigest(tx);
  const struct = toSystemTransaction(tx);
  const fee = tx.gasLimit * tx.maxFeePerGas;
  const payer = tx.paymaster ? getAddress(tx.paymaster.address) : from;
  const isContract = (await provider.getCode(from)) !== "0x";
  const snapshot = (await provider.send("evm_snapshot", [])) as string;
  const steps: { name: string; receipt: TransactionReceipt }[] = [];

  const reject = async (stage: RejectionStage, reason: string): Promise<never> => {
    await provider.send("evm_revert", [snapshot]);
    throw new TransactionRejectedError(stage, reason);
  };
  /** Simulates, then sends a bootloader step; rejects the transaction at `stage` if it reverts. */
  const step = async (stage: RejectionStage, call: SystemCall, name: string): Promise<string> => {
    const outcome = await simulate(provider, call);
    if (!outcome.ok) return reject(stage, decodeRevert(outcome.revertData));
    steps.push({ name, receipt: await sendAs(provider, call) });
    return outcome.returnData;
  };
  const fromBootloader = (to: string, data: string): SystemCall => ({ from: SystemAddress.BOOTLOADER, to, data });

  // 1. nonce
  const expected = await transport.nonceOf(from);
  if (tx.nonce !== expected) return reject("nonce", `nonce ${tx.nonce} is not the account's next nonce ${expected}`);

  // 2. validation
  if (isContract) {
    const magic = await step(
      "validation",
      fromBootloader(from, account.encodeFunctionData("validateTransaction", [hash, digest, struct])),
      "validateTransaction",
    );
    if (!magic.startsWith(ACCOUNT_MAGIC)) return reject("validation", `account returned ${magic.slice(0, 10)}, not the magic value`);
  } else {
    let signer: string;
    try {
      signer = recoverAddress(digest, tx.signature);
    } catch {
      return reject("validation", "malformed EOA signature");
    }
    if (signer !== from) return reject("validation", `EOA signature by ${signer}, not ${from}`);
    await step(
      "validation",
      { from, to: SystemAddress.NONCE_HOLDER, data: nonceHolder.encodeFunctionData("incrementMinNonceIfEquals", [tx.nonce]) },
      "validateTransaction",
    );
  }
  if ((await transport.nonceOf(from)) !== tx.nonce + 1n) return reject("validation", "the account did not use its nonce");

  // 3. payment
  const bootloaderBefore = await provider.getBalance(SystemAddress.BOOTLOADER);
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
    if ((await provider.getBalance(from)) < fee + (tx.value ?? 0n)) return reject("payment", "the sender cannot pay the fee");
    await step("payment", { from, to: SystemAddress.BOOTLOADER, data: "0x", value: fee }, "payForTransaction");
  }
  if ((await provider.getBalance(SystemAddress.BOOTLOADER)) - bootloaderBefore < fee) {
    return reject(tx.paymaster ? "paymaster" : "payment", "the bootloader did not receive the fee");
  }

  // 4. execution
  const execution: SystemCall = isContract
    ? fromBootloader(from, account.encodeFunctionData("executeTransaction", [hash, digest, struct]))
    : { from, to: tx.to, data: tx.data, value: tx.value };
  const outcome = await simulate(provider, execution);
  let revertReason: string | undefined;
  if (outcome.ok) steps.push({ name: "executeTransaction", receipt: await sendAs(provider, execution) });
  else revertReason = decodeRevert(outcome.revertData);

  // 5. refund and postTransaction
  const used = steps.reduce((sum, { receipt }) => sum + receipt.gasUsed - BASE_GAS, BASE_GAS);
  const gasUsed = used < tx.gasLimit ? used : tx.gasLimit;
  const refundedGas = tx.gasLimit - gasUsed;
  if (refundedGas > 0n && tx.maxFeePerGas > 0n) {
    await sendAs(provider, { from: SystemAddress.BOOTLOADER, to: payer, data: "0x", value: refundedGas * tx.maxFeePerGas });
  }
  if (tx.paymaster) {
    const post = fromBootloader(
      payer,
      paymaster.encodeFunctionData("postTransaction", [context, struct, hash, digest, revertReason ? 0 : 1, refundedGas]),
    );
    // As on zkSync, a failing postTransaction does not undo the transaction.
    if ((await simulate(provider, post)).ok) steps.push({ name: "postTransaction", receipt: await sendAs(provider, post) });
  }
  const executed = steps.filter((s) => s.name !== "postTransaction").at(-1)!.receipt;
  return {
    hash,
    status: revertReason ? "reverted" : "success",
    gasUsed,
    fee: gasUsed * tx.maxFeePerGas,
    blockNumber: executed.blockNumber,
    revertReason,
    stepGas: Object.fromEntries(steps.map(({ name, receipt }) => [name, receipt.gasUsed - BASE_GAS])),
  };
}
