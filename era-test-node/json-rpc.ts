import { fetchChainId } from "@medrec/sdk/chain/json-rpc";

export { fetchChainId, rpcRequest } from "@medrec/sdk/chain/json-rpc";

/** Options of {@link waitForChainId}. */
export interface WaitForChainIdOptions {
  /** Give up after this many milliseconds in total. */
  timeoutMs: number;
  /** Pause between two attempts. Defaults to 200 ms. */
  intervalMs?: number;
  /** Settles as soon as waiting makes no sense any more (for example: the node process exited). */
  abort?: Promise<Error>;
}

/**
 * Polls `eth_chainId` at `url` until it answers, and returns the chain id.
 * @param url The node's HTTP endpoint.
 * @param options Deadline, poll interval and an optional abort signal.
 * @throws When the deadline passes (with the last error seen) or `options.abort` settles first.
 */
export async function waitForChainId(url: string, options: WaitForChainIdOptions): Promise<bigint> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 200;
  let aborted: Error | undefined;
  options.abort?.then((error) => (aborted = error));
  let lastError: unknown;
  for (;;) {
    if (aborted) throw aborted;
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    try {
      return await fetchChainId(url, Math.min(2_000, remaining));
    } catch (error) {
      lastError = error;
    }
    if (aborted) throw aborted;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
  const reason = lastError instanceof Error ? (lastError.cause instanceof Error ? lastError.cause.message : lastError.message) : String(lastError);
  throw new Error(`${url} did not answer eth_chainId within ${options.timeoutMs} ms (last error: ${reason})`);
}
