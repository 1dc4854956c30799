import { toBeHex, type TransactionReceipt } from "ethers";
import { blockTimeOf } from "../mining";
import { gasNeeded, queueAs, simulate, type CallOutcome, type RpcProvider, type SystemCall } from "./impersonation";

/** A transaction queued in the pending block. */
export interface QueuedStep {
  hash: string;
  /** Gas it uses in the pending block (status is what the simulation before queueing said). */
  gasUsed: bigint;
}

/**
 * The pending block one AA transaction builds while mining is paused: every read and simulation sees the steps
 * queued before it, in order.
 */
export interface PendingBlock {
  /** `eth_call` on the pending block. */
  simulate(call: SystemCall, gas?: bigint): Promise<CallOutcome>;
  /** `eth_estimateGas` on the pending block (see {@link gasNeeded}). */
  gasNeeded(call: SystemCall, gas: bigint): Promise<bigint | undefined>;
  balanceOf(address: string): Promise<bigint>;
  codeOf(address: string): Promise<string>;
  /**
   * Queues `call` as its sender (impersonated, zero gas price, its next pending nonce) with gas limit `gas`, and
   * returns its gas used in the pending block; `undefined` when the node does not take it into the block (gas
   * below its intrinsic cost, more gas than the block has left).
   */
  queue(call: SystemCall, gas: bigint): Promise<QueuedStep | undefined>;
}

/** What the builder of a block decided: mine what it queued into one block, or drop all of it (an estimate). */
export interface BlockOutcome<T> {
  value: T;
  mine: boolean;
}

/** How the chain mined before the driver paused it. */
type Mining = { kind: "automine" } | { kind: "interval"; blockTimeMs: number } | { kind: "manual" };

/** Poll interval while waiting for an interval block (the bench measures at 1 s blocks; ≤ 100 ms keeps it honest). */
const RECEIPT_POLL_MS = 20;

const tails = new WeakMap<object, Promise<unknown>>();

/** Runs `task` once every task queued before on `provider` has settled (one AA transaction at a time per chain). */
function serialised<T>(provider: object, task: () => Promise<T>): Promise<T> {
  const run = (tails.get(provider) ?? Promise.resolve()).then(task, task);
  tails.set(provider, run.catch(() => undefined));
  return run;
}

/**
 * Builds one block: pauses the chain's mining (automine off; interval mining stopped while the steps are queued),
 * takes a snapshot, and lets `build` simulate and queue transactions on the pending block. When `build` throws,
 * or returns `mine: false`, the chain is rolled back to the snapshot (the queued transactions are dropped) and
 * no block is mined. Otherwise everything queued is mined in exactly one block: `evm_mine` on an automining (or
 * hand-mined) chain; on an interval-mining chain (`setBlockTime` of `era-test-node/mining`) the interval is restored and the next
 * interval block is awaited. Calls on one provider object run one after the other, so concurrent AA transactions
 * each get a block of their own.
 * @returns `build`'s value and the receipts of the queued transactions (empty when nothing was mined).
 * @throws What `build` threw; an Error when the queued transactions did not all land in one block.
 */
export function inOneBlock<T>(
  provider: RpcProvider,
  build: (block: PendingBlock) => Promise<BlockOutcome<T>>,
): Promise<{ value: T; receipts: TransactionReceipt[] }> {
  return serialised(provider, async () => {
    const mining = await pauseMining(provider);
    let paused = true;
    const resume = async () => {
      if (!paused) return;
      paused = false;
      await resumeMining(provider, mining);
    };
    try {
      const snapshot = (await provider.send("evm_snapshot", [])) as string;
      await provider.send("hardhat_setNextBlockBaseFeePerGas", ["0x0"]);
      const queued: string[] = [];
      const loans: Loan[] = [];
      let outcome: BlockOutcome<T>;
      try {
        outcome = await build(pendingBlock(provider, queued, loans));
      } catch (error) {
        await provider.send("evm_revert", [snapshot]);
        throw error;
      }
      if (!outcome.mine || queued.length === 0) {
        await provider.send("evm_revert", [snapshot]);
        return { value: outcome.value, receipts: [] };
      }
      if (mining.kind === "interval") {
        await resume();
        await waitForReceipt(provider, queued.at(-1)!, mining.blockTimeMs);
      } else {
        await provider.send("evm_mine", []);
      }
      const receipts = await Promise.all(queued.map((hash) => provider.getTransactionReceipt(hash)));
      const blocks = new Set(receipts.map((receipt) => receipt?.blockNumber));
      if (blocks.size !== 1 || receipts.some((receipt) => !receipt)) {
        throw new Error(`the steps of one AA transaction landed in blocks ${[...blocks].join(", ")}, not in one block`);
      }
      for (const loan of loans) {
        const balance = BigInt((await provider.send("eth_getBalance", [loan.address, "latest"])) as string);
        await provider.send("hardhat_setBalance", [loan.address, toBeHex(balance - loan.amount)]);
      }
      return { value: outcome.value, receipts: receipts as TransactionReceipt[] };
    } finally {
      await resume();
    }
  });
}

/** ETH lent to a sender in the last block's state, paid back once the block is mined. */
interface Loan {
  address: string;
  amount: bigint;
}

function pendingBlock(provider: RpcProvider, queued: string[], loans: Loan[]): PendingBlock {
  const pending = async () => {
    const block = (await provider.send("eth_getBlockByNumber", ["pending", false])) as { gasUsed: string; transactions: string[] };
    return { gasUsed: BigInt(block.gasUsed), transactions: block.transactions };
  };
  return {
    simulate: (call, gas) => simulate(provider, call, gas, "pending"),
    gasNeeded: (call, gas) => gasNeeded(provider, call, gas, "pending"),
    balanceOf: async (address) => BigInt((await provider.send("eth_getBalance", [address, "pending"])) as string),
    codeOf: async (address) => (await provider.send("eth_getCode", [address, "pending"])) as string,
    async queue(call, gas) {
      const before = await pending();
      const nonce = BigInt((await provider.send("eth_getTransactionCount", [call.from, "pending"])) as string);
      // Hardhat checks a queued transaction's value against the sender's balance in the last block, not in the
      // pending one: the bootloader refunds out of a fee it receives in this very block. Lend the difference in the
      // last block's state; it is paid back after mining (or dropped with the block).
      const value = call.value ?? 0n;
      const latest = value > 0n ? BigInt((await provider.send("eth_getBalance", [call.from, "latest"])) as string) : 0n;
      if (latest < value) {
        await provider.send("hardhat_setBalance", [call.from, toBeHex(value)]);
        loans.push({ address: call.from, amount: value - latest });
      }
      let hash: string;
      try {
        hash = await queueAs(provider, call, gas, nonce);
      } catch {
        return undefined;
      }
      const after = await pending();
      if (!after.transactions.includes(hash)) {
        await provider.send("hardhat_dropTransaction", [hash]);
        return undefined;
      }
      queued.push(hash);
      return { hash, gasUsed: after.gasUsed - before.gasUsed };
    },
  };
}

async function pauseMining(provider: RpcProvider): Promise<Mining> {
  if ((await provider.send("hardhat_getAutomine", [])) === true) {
    await provider.send("evm_setAutomine", [false]);
    return { kind: "automine" };
  }
  const blockTimeMs = blockTimeOf(provider);
  if (blockTimeMs === undefined) return { kind: "manual" };
  await provider.send("evm_setIntervalMining", [0]);
  return { kind: "interval", blockTimeMs };
}

async function resumeMining(provider: RpcProvider, mining: Mining): Promise<void> {
  if (mining.kind === "automine") await provider.send("evm_setAutomine", [true]);
  else if (mining.kind === "interval") await provider.send("evm_setIntervalMining", [mining.blockTimeMs]);
}

async function waitForReceipt(provider: RpcProvider, hash: string, blockTimeMs: number): Promise<void> {
  const deadline = Date.now() + 10 * blockTimeMs + 10_000;
  while (!(await provider.getTransactionReceipt(hash))) {
    if (Date.now() > deadline) throw new Error(`no interval block mined ${hash} within ${10 * blockTimeMs + 10_000} ms`);
    await new Promise((resolve) => setTimeout(resolve, Math.min(RECEIPT_POLL_MS, blockTimeMs)));
  }
}
