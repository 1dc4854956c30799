import { ResolverError } from "./errors";
import { RESOLVER_CLIENT_TIMEOUT_MS, type ErrorBody, type ResolverClientErrorCode } from "./protocol";

/** Where a resolver listens, e.g. `http://127.0.0.1:8787`. */
export type ResolverUrl = string;

/** An error of the client's own (no answer, or one it cannot read). */
export function clientError(code: ResolverClientErrorCode, status: number, message: string, options?: ErrorOptions): ResolverError {
  return new ResolverError(code, status, message, options);
}

/**
 * Sends one JSON request to a resolver and returns the parsed 2xx body.
 * @param url The resolver's base URL.
 * @param path A path of `RESOLVER_ROUTES` (filled in).
 * @param init Method, JSON body and time limit (default `RESOLVER_CLIENT_TIMEOUT_MS`, 30 s).
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
      signal: AbortSignal.timeout(init.timeoutMs ?? RESOLVER_CLIENT_TIMEOUT_MS),
    });
  } catch (error) {
    throw clientError("RESOLVER_UNREACHABLE", 0, `resolver at ${url} did not answer`, { cause: error });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    throw clientError("RESOLVER_BAD_RESPONSE", response.status, `resolver answered ${response.status} with a body that is not JSON`);
  }
  if (!response.ok) {
    const error = (body as ErrorBody | undefined)?.error;
    if (!error || typeof error.code !== "string") {
      throw clientError("RESOLVER_BAD_RESPONSE", response.status, `resolver answered ${response.status} without an error code`);
    }
    const retryAfter = Number(response.headers.get("retry-after") ?? NaN);
    throw new ResolverError(error.code, response.status, String(error.message ?? error.code), Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterSeconds: retryAfter } : undefined);
  }
  return body as T;
}
