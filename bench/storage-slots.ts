import type { EIP1193Provider } from "hardhat/types";

interface StructLog {
  op: string;
  depth: number;
  stack?: string[];
}

const CALLS_WITH_NEW_CONTEXT = new Set(["CALL", "STATICCALL"]);

const word = (value: string): string => "0x" + value.replace(/^0x/, "").padStart(64, "0");

/**
 * The storage slots one mined transaction wrote for the first time (zero before the transaction, non-zero
 * after), found by replaying it with `debug_traceTransaction`. On zkSync each such slot is paid pubdata,
 * so this is the figure to keep low.
 * @param provider An EIP-1193 provider of a node that supports `debug_traceTransaction` (Hardhat does).
 * @param txHash The transaction, alone in its block (Hardhat automine).
 */
export async function newStorageSlots(provider: EIP1193Provider, txHash: string): Promise<{ written: number; created: number }> {
  const tx = (await provider.request({ method: "eth_getTransactionByHash", params: [txHash] })) as { to: string; blockNumber: string };
  const trace = (await provider.request({
    method: "debug_traceTransaction",
    params: [txHash, { disableMemory: true, disableStorage: true }],
  })) as { structLogs: StructLog[] };

  const contextAt: string[] = [];
  let pending: string | undefined;
  let previousDepth = 0;
  const writes = new Map<string, { address: string; slot: string }>();
  for (const step of trace.structLogs) {
    if (step.depth > previousDepth) contextAt[step.depth] = pending ?? tx.to.toLowerCase();
    pending = undefined;
    previousDepth = step.depth;
    const stack = step.stack ?? [];
    if (CALLS_WITH_NEW_CONTEXT.has(step.op)) {
      pending = "0x" + word(stack[stack.length - 2]).slice(-40);
    } else if (step.op === "DELEGATECALL" || step.op === "CALLCODE") {
      pending = contextAt[step.depth];
    } else if (step.op === "SSTORE") {
      const address = contextAt[step.depth];
      const slot = word(stack[stack.length - 1]);
      writes.set(`${address}:${slot}`, { address, slot });
    }
    // A call that returns leaves the callee's depth; forget it so the next call there is fresh.
    contextAt.length = step.depth + 1;
  }

  const block = BigInt(tx.blockNumber);
  let created = 0;
  for (const { address, slot } of writes.values()) {
    const [before, after] = await Promise.all(
      [block - 1n, block].map((b) =>
        provider.request({ method: "eth_getStorageAt", params: [address, slot, "0x" + b.toString(16)] }),
      ),
    );
    if (BigInt(before as string) === 0n && BigInt(after as string) !== 0n) created++;
  }
  return { written: writes.size, created };
}
