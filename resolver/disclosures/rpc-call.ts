import { RpcNoAnswerError, RpcRefusalError } from "./errors";

/**
 * One JSON-RPC request over HTTP that tells a refusal from no answer, which ethers' provider errors do not do
 * reliably: after a connection reset or a timeout on `eth_sendRawTransaction` the transaction may be in the pool,
 * after an error object it is not.
 * @param url The node's HTTP endpoint.
 * @param method The RPC method.
 * @param params Its parameters.
 * @param timeoutMs How long to wait for the answer.
 * @throws {RpcRefusalError} The node answered with a JSON-RPC error.
 * @throws {RpcNoAnswerError} No JSON-RPC answer arrived (network error, timeout, HTTP error, not JSON-RPC).
 */
export async function rpcCall<T>(url: string, method: string, params: readonly unknown[], timeoutMs: number): Promise<T> {
  let body: { result?: T; error?: { code?: number; message?: string } };
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
