/**
 * Errors of the disclosure account: what the node said (or did not say) to a transaction the resolver sent.
 * Messages name nonces, hashes and the node's words only; never keys.
 *
 * @module
 */

/** The node answered a JSON-RPC request with an error object: it definitely did not take what was asked. */
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
 * No JSON-RPC answer arrived (connection reset, timeout, a body that is not JSON-RPC): the request may or may not
 * have been carried out — a transaction may be in the node's pool.
 */
export class RpcNoAnswerError extends Error {
  constructor(readonly method: string, options?: ErrorOptions) {
    super(`${method}: no answer from the node`, options);
    this.name = "RpcNoAnswerError";
  }
}

/** A refusal that says the nonce is already used by a mined transaction. */
export function isNonceUsed(error: unknown): boolean {
  return error instanceof RpcRefusalError && /nonce too low|nonce has already been used|already been used/i.test(error.reason);
}

/** A refusal that says the node already holds this very transaction. */
export function isKnownTransaction(error: unknown): boolean {
  return error instanceof RpcRefusalError && /known transaction|already known/i.test(error.reason);
}

/** A refusal that says a transaction of the same nonce with higher fees is in the pool. */
export function isUnderpriced(error: unknown): boolean {
  return error instanceof RpcRefusalError && /underpriced|fee too low/i.test(error.reason);
}
