/** One JSON-RPC 2.0 error object as a node returns it. */
interface JsonRpcErrorBody {
  code: number;
  message: string;
}

/**
 * Sends one JSON-RPC 2.0 request over HTTP and returns its `result` (no provider object, no batching, no retry:
 * for probes such as "which chain is this?").
 * @param url The node's HTTP endpoint.
 * @param method The RPC method, for example `eth_chainId`.
 * @param params The method's parameters.
 * @param timeoutMs How long to wait for the answer before aborting.
 * @throws When the request fails, times out, or the node answers with a JSON-RPC error.
 */
export async function rpcRequest<T = unknown>(url: string, method: string, params: readonly unknown[] = [], timeoutMs = 5_000): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`${method} at ${url}: HTTP ${response.status}`);
  const body = (await response.json()) as { result?: T; error?: JsonRpcErrorBody };
  if (body.error) throw new Error(`${method} at ${url}: ${body.error.message} (code ${body.error.code})`);
  if (body.result === undefined) throw new Error(`${method} at ${url}: no result`);
  return body.result;
}

/**
 * Asks `url` for its chain id (`eth_chainId`).
 * @param url The node's HTTP endpoint.
 * @param timeoutMs How long to wait for the answer.
 */
export async function fetchChainId(url: string, timeoutMs = 5_000): Promise<bigint> {
  return BigInt(await rpcRequest<string>(url, "eth_chainId", [], timeoutMs));
}
