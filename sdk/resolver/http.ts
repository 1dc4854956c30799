import { ResolverError } from "./errors";
import type { ErrorBody } from "./wire";

/** Where a resolver listens, e.g. `http://127.0.0.1:8787`. */
export type ResolverUrl = string;

/**
 * Sends one JSON request to a resolver and returns the parsed 2xx body.
 * @throws {ResolverError} With the resolver's code and HTTP status on a 4xx/5xx, `RESOLVER_UNREACHABLE` when no
 *   response arrived (within `timeoutMs`), `RESOLVER_BAD_RESPONSE` when the body is not the expected JSON.
 */
export async function resolverFetch<T>(
  url: ResolverUrl,
  path: string,
  init: { method: "GET" | "POST" | "PUT"; body?: unknown; timeoutMs?: number },
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, url), {
      method: init.method,
      headers: init.body === undefined ? {} : { "content-type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
    });
  } catch (error) {
    throw new ResolverError("RESOLVER_UNREACHABLE", 0, `resolver at ${url} did not answer`, { cause: error });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    throw new ResolverError("RESOLVER_BAD_RESPONSE", response.status, `resolver answered ${response.status} with a body that is not JSON`);
  }
  if (!response.ok) {
    const error = (body as ErrorBody | undefined)?.error;
    if (!error || typeof error.code !== "string") {
      throw new ResolverError("RESOLVER_BAD_RESPONSE", response.status, `resolver answered ${response.status} without an error code`);
    }
    throw new ResolverError(error.code, response.status, String(error.message ?? error.code));
  }
  return body as T;
}
