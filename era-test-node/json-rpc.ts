/** One JSON-RPC 2.0 error object as a node returns it. */
interface JsonRpcErrorBody {
  code: number;
  message: string;
}

/**
 * Sends one JSON-RPC 2.0 request over HTTP and returns its `result`.
 * @param url The node's HTTP endpoint.
 * @param method The RPC method, for example `eth_chainId`.
 * @param params The method's parameters.
 * @param timeoutMs How long to wait for the answer before aborting.
 * @throws When the request fails, times out, or the node answers with a JSON-RPC error.
 */
export async function rpcRequest<T = unknown>(
  url: string,
  method: string,
  params: readonly unknown[] = [],
  timeoutMs = 5_000,
): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`${method} at ${url}: HTTP ${response.status}`);
  const body = (await response.json()) as { result?: T; error?: JsonRpcErrorBody };
  if (body.error) throw new Error(`${method} at ${url}: ${body.error.message} (code ${body.error.code})`);
  return body.result as T;
}

/**
 * Asks `url` for its chain id (`eth_chainId`).
 * @param url The node's HTTP endpoint.
 * @param timeoutMs How long to wait for the answer.
 */
export async function fetchChainId(url: string, timeoutMs = 5_000): Promise<bigint> {
  return BigInt(await rpcRequest<string>(url, "eth_chainId", [], timeoutMs));
}

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
