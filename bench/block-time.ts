import { setBlockTime } from "../era-test-node/mining";
import type { RpcProvider } from "../era-test-node/bootloader/impersonation";

/** A way the local chain mines that the bench measures at: automine, or one block per `blockTimeMs`. */
export interface ChainMode {
  /** `automine`, or the block time (`1s`, `500ms`): the key of the mode's figures in bench/results.json. */
  name: string;
  /** Milliseconds per block (Hardhat interval mining); undefined for automine. */
  blockTimeMs?: number;
}

/** The automine mode. */
export const AUTOMINE: ChainMode = { name: "automine" };

/** `1s` for 1000 ms, `500ms` for 500 ms: a block time as a results key. */
export function blockTimeName(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * The modes every chain-bound section runs in: automine (a block the instant a transaction arrives) and one block
 * per `BENCH_BLOCK_TIME_MS` ms (default 1000, about zkSync Era's block time).
 * @param env Where `BENCH_BLOCK_TIME_MS` is read.
 */
export function chainModes(env: NodeJS.ProcessEnv = process.env): ChainMode[] {
  const blockTimeMs = Number(env.BENCH_BLOCK_TIME_MS ?? 1000);
  if (!Number.isInteger(blockTimeMs) || blockTimeMs <= 0) throw new Error(`BENCH_BLOCK_TIME_MS must be a positive integer, not ${env.BENCH_BLOCK_TIME_MS}`);
  return [AUTOMINE, { name: blockTimeName(blockTimeMs), blockTimeMs }];
}

/**
 * Makes the Hardhat chain behind `provider` mine as `mode` says (`evm_setAutomine` / `evm_setIntervalMining`,
 * through `setBlockTime` so that the bootloader driver on the same provider knows the interval).
 */
export async function useMining(provider: Pick<RpcProvider, "send">, mode: ChainMode): Promise<void> {
  await setBlockTime(provider, mode.blockTimeMs);
}

/** Runs `measure` with the chain in `mode`, and puts it back on automine afterwards (setup runs fastest there). */
export async function withMining<T>(provider: Pick<RpcProvider, "send">, mode: ChainMode, measure: () => Promise<T>): Promise<T> {
  await useMining(provider, mode);
  try {
    return await measure();
  } finally {
    await useMining(provider, AUTOMINE);
  }
}
