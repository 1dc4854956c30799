/**
 * What the node's refusals of the disclosure account's transactions mean (the refusal and no-answer errors
 * themselves are `@medrec/sdk/chain/json-rpc`'s, thrown by its `rpcRequest`).
 * Messages name nonces, hashes and the node's words only; never keys.
 *
 * @module
 */

import { RpcRefusalError } from "@medrec/sdk/chain/json-rpc";

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
