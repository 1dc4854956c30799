/**
 * Whether an error means that a chain node (or another HTTP service) did not answer, as opposed to answering with
 * a refusal or an error of its own. The one list the CLI and the resolver share.
 *
 * @module
 */

/**
 * ethers error codes of a request that got no usable answer: `NETWORK_ERROR` (the network changed or is gone),
 * `TIMEOUT` (no answer in time), `SERVER_ERROR` (an HTTP error status or a body that is not JSON-RPC, e.g. a
 * proxy's 502).
 */
export const UNREACHABLE_ETHERS_CODES: readonly string[] = Object.freeze(["NETWORK_ERROR", "TIMEOUT", "SERVER_ERROR"]);

/**
 * Node.js (libuv) and undici error codes of a connection that could not be made or was lost: refused, reset, the
 * host name not resolved (for good or for now), timed out connecting.
 */
export const UNREACHABLE_ERRNO_CODES: readonly string[] = Object.freeze([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
]);

/** How deep {@link isNodeUnreachable} follows `cause` and `error` links. */
const MAX_DEPTH = 8;

/**
 * The error that says the node did not answer: `error` itself or the first error it wraps (`cause`, or ethers'
 * `error`, outermost first) that carries one of {@link UNREACHABLE_ETHERS_CODES} or {@link UNREACHABLE_ERRNO_CODES},
 * or is a `TimeoutError` (what `AbortSignal.timeout` aborts a `fetch` with).
 * @param error Anything thrown.
 * @returns That error, or `undefined` when nothing in `error` says the node did not answer.
 */
export function findUnreachable(error: unknown): object | undefined {
  const seen = new Set<unknown>();
  const queue: { value: unknown; depth: number }[] = [{ value: error, depth: 0 }];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const { value, depth } = next;
    if (value === null || typeof value !== "object" || seen.has(value) || depth > MAX_DEPTH) continue;
    seen.add(value);
    const { code, name, cause, error: inner } = value as { code?: unknown; name?: unknown; cause?: unknown; error?: unknown };
    if (typeof code === "string" && (UNREACHABLE_ETHERS_CODES.includes(code) || UNREACHABLE_ERRNO_CODES.includes(code))) return value;
    if (name === "TimeoutError") return value;
    queue.push({ value: cause, depth: depth + 1 }, { value: inner, depth: depth + 1 });
  }
  return undefined;
}

/**
 * Whether `error`, or an error it wraps, says that the node did not answer ({@link findUnreachable}). A revert, a
 * JSON-RPC error or any other answer of the node is not.
 * @param error Anything thrown.
 */
export function isNodeUnreachable(error: unknown): boolean {
  return findUnreachable(error) !== undefined;
}
