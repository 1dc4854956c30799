import type { RpcProvider } from "./bootloader/impersonation";

/** The block time set through {@link setBlockTime}, per provider object. */
const blockTimes = new WeakMap<object, number>();

/**
 * Sets how the local Hardhat chain behind `provider` mines: a block per transaction (automine) when `blockTimeMs`
 * is undefined or 0, otherwise one block every `blockTimeMs` ms (`evm_setAutomine(false)` +
 * `evm_setIntervalMining`), as zkSync Era mines about one block per second.
 *
 * The block time is remembered for `provider`: the bootloader driver pauses interval mining while it queues the
 * steps of one AA transaction and must know the interval to restore it. Set interval mining through this function
 * (on the provider object the driver runs on), not with raw `evm_setIntervalMining`.
 * @param provider A JSON-RPC provider of a Hardhat chain (in-process or a `hardhat node` process).
 * @param blockTimeMs Milliseconds per block; undefined or 0 for automine.
 */
export async function setBlockTime(provider: Pick<RpcProvider, "send">, blockTimeMs?: number): Promise<void> {
  if (blockTimeMs === undefined || blockTimeMs === 0) {
    blockTimes.delete(provider);
    await provider.send("evm_setIntervalMining", [0]);
    await provider.send("evm_setAutomine", [true]);
    return;
  }
  if (!Number.isInteger(blockTimeMs) || blockTimeMs < 0) throw new Error(`invalid block time: ${blockTimeMs} ms`);
  blockTimes.set(provider, blockTimeMs);
  await provider.send("evm_setAutomine", [false]);
  await provider.send("evm_setIntervalMining", [blockTimeMs]);
}

/**
 * The block time {@link setBlockTime} last set on `provider`, or `undefined` when it set automine or never ran
 * (a chain with automine off and no recorded block time is taken to be mined by hand).
 */
export function blockTimeOf(provider: object): number | undefined {
  return blockTimes.get(provider);
}
