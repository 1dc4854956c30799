import { toBeHex, type JsonRpcProvider, type TransactionReceipt } from "ethers";

/** What the driver needs of a provider: raw JSON-RPC plus a few reads (JsonRpcProvider, Hardhat's provider). */
export type RpcProvider = Pick<JsonRpcProvider, "send" | "getCode" | "getBalance" | "getNetwork" | "getTransactionReceipt">;

/** A call made as a system actor (the bootloader, or an EOA's default account). */
export interface SystemCall {
  from: string;
  to: string;
  data: string;
  value?: bigint;
}

/** What `eth_call` said: the return data, or the revert data. */
export type CallOutcome = { ok: true; returnData: string } | { ok: false; revertData: string; message: string };

/** Gas of a bootloader step whose limit the AA transaction does not set (validation, payment). */
export const STEP_GAS = 10_000_000n;

/** Revert data out of an ethers/JSON-RPC error, when the node gave any. */
export function revertDataOf(error: unknown): string {
  const seen = new Set<unknown>();
  const walk = (value: unknown): string | undefined => {
    if (!value || typeof value !== "object" || seen.has(value)) return undefined;
    seen.add(value);
    const record = value as Record<string, unknown>;
    if (typeof record.data === "string" && record.data.startsWith("0x")) return record.data;
    for (const key of ["error", "info", "data", "cause"]) {
      const found = walk(record[key]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(error) ?? "0x";
}

/** The state a call is simulated on: the last block, or the pending block (the mempool on top of it). */
export type StateTag = "latest" | "pending";

/**
 * Simulates `call` with `eth_call` from its sender (no signature needed on a dev chain), with at most `gas`, on
 * `state` (default the last block; the driver simulates on the pending block its queued steps build).
 */
export async function simulate(provider: RpcProvider, call: SystemCall, gas?: bigint, state: StateTag = "latest"): Promise<CallOutcome> {
  try {
    const returnData = (await provider.send("eth_call", [rpcCall(call, gas), state])) as string;
    return { ok: true, returnData };
  } catch (error) {
    return { ok: false, revertData: revertDataOf(error), message: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The gas `call` needs to succeed (`eth_estimateGas`: the smallest gas limit it succeeds with, which is more than it
 * uses when it frees storage or forwards gas to calls), looking for it up to `gas` on `state`; `undefined` if it
 * reverts.
 */
export async function gasNeeded(provider: RpcProvider, call: SystemCall, gas: bigint, state: StateTag = "latest"): Promise<bigint | undefined> {
  try {
    return BigInt((await provider.send("eth_estimateGas", [{ ...rpcCall(call, gas), gasPrice: "0x0" }, state])) as string);
  } catch {
    return undefined;
  }
}

/**
 * Sends `call` as its sender, impersonated, at zero gas price: system actors pay nothing here, the fee of the
 * AA transaction moves in ETH to the bootloader exactly as on zkSync. Throws when the call reverts.
 */
export async function sendAs(provider: RpcProvider, call: SystemCall): Promise<TransactionReceipt> {
  return receiptOf(provider, await send(provider, call, STEP_GAS));
}

/**
 * Queues `call` as its sender, impersonated, at zero gas price with gas limit `gas` and nonce `nonce`, without
 * waiting for a block (the chain must not automine: the driver pauses mining first). Returns the hash; throws
 * when the node refuses the transaction outright (e.g. `gas` below its intrinsic cost).
 */
export async function queueAs(provider: RpcProvider, call: SystemCall, gas: bigint, nonce: bigint): Promise<string> {
  await provider.send("hardhat_impersonateAccount", [call.from]);
  return (await provider.send("eth_sendTransaction", [{ ...rpcCall(call, gas), gasPrice: "0x0", nonce: toBeHex(nonce) }])) as string;
}

async function send(provider: RpcProvider, call: SystemCall, gas: bigint): Promise<string> {
  await provider.send("hardhat_impersonateAccount", [call.from]);
  await provider.send("hardhat_setNextBlockBaseFeePerGas", ["0x0"]);
  return (await provider.send("eth_sendTransaction", [{ ...rpcCall(call, gas), gasPrice: "0x0" }])) as string;
}

async function receiptOf(provider: RpcProvider, hash: string): Promise<TransactionReceipt> {
  // Local chains mine on submission (automine); a receipt is there at once.
  const receipt = await provider.getTransactionReceipt(hash);
  if (!receipt) throw new Error(`no receipt for ${hash}: the driver needs an automining chain`);
  return receipt;
}

function rpcCall(call: SystemCall, gas?: bigint) {
  return { from: call.from, to: call.to, data: call.data, value: toBeHex(call.value ?? 0n), ...(gas === undefined ? {} : { gas: toBeHex(gas) }) };
}
