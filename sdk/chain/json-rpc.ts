/** One JSON-RPC 2.0 error object as a node returns it. */
interface JsonRpcErrorBody {
  code?: number;
  message?: string;
}

/** The node answered a JSON-RPC request with an error object: it definitely did not do what was asked. */
export class RpcRefusalError extends Error {
  /**
   * @param method The RPC method.
   * @param code The JSON-RPC error code.
   * @param reason The node's message.
   */
  constructor(
    readonly method: string,
    readonly code: number,
    readonly reason: string,
  ) {
    super(`${method} refused by the node: ${reason} (code ${code})`);
    this.name = "RpcRefusalError";
  }
}

/**
 * No JSON-RPC answer arrived (connection refused or reset, timeout, an HTTP error or a body that is not JSON-RPC):
 * the request may or may not have been carried out — a transaction may be in the node's pool. The network error,
 * if any, is the `cause`.
 */
export class RpcNoAnswerError extends Error {
  constructor(
    readonly method: string,
    options?: ErrorOptions,
  ) {
    super(`${method}: no answer from the node`, options);
    this.name = "RpcNoAnswerError";
  }
}

/**
 * Sends one JSON-RPC 2.0 request over HTTP and returns its `result` (no provider object, no batching, no retry, no
 * cache), telling a refusal from no answer — which ethers' provider errors do not do reliably: after a connection
 * reset or a timeout on `eth_sendRawTransaction` the transaction may be in the pool, after an error object it is not.
 * @param url The node's HTTP endpoint.
 * @param method The RPC method, for example `eth_chainId`.
 * @param params The method's parameters.
 * @param timeoutMs How long to wait for the answer before aborting.
 * @throws {RpcRefusalError} The node answered with a JSON-RPC error.
 * @throws {RpcNoAnswerError} No JSON-RPC answer arrived.
 */
export async function rpcRequest<T = unknown>(url: string, method: string, params: readonly unknown[] = [], timeoutMs = 5_000): Promise<T> {
  let body: { result?: T; error?: JsonRpcErrorBody } | undefined;
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = (await response.json()) as typeof body;
  } catch (error) {
    throw new RpcNoAnswerError(method, { cause: error });
  }
  if (body && typeof body === "object" && body.error) throw new RpcRefusalError(method, Number(body.error.code ?? 0), String(body.error.message ?? "error"));
  if (!body || typeof body !== "object" || !("result" in body)) throw new RpcNoAnswerError(method);
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
