/**
 * Health of a Ceramic node's HTTP API (`GET /api/v0/node/healthcheck`), with a timeout on every request and on
 * every wait.
 *
 * @module
 */

/** Time one health request may take. */
const REQUEST_TIMEOUT_MS = 2_000;
/** Pause between two health requests while waiting. */
const POLL_MS = 150;

/** Whether the node at `url` answers its health check with 2xx within `timeoutMs`. */
export async function isCeramicHealthy(url: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<boolean> {
  try {
    const response = await fetch(`${url}/api/v0/node/healthcheck`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel().catch(() => undefined);
    return response.ok;
  } catch {
    return false; // not listening (yet), or too slow
  }
}

/** Why {@link waitUntilCeramicHealthy} stopped waiting before the node got healthy. */
export type HealthWaitOutcome = { healthy: true } | { healthy: false; reason: "timeout" } | { healthy: false; reason: "failed"; detail: string };

/**
 * Polls the node's health check until it answers, `failed()` returns a reason (e.g. the process exited), or
 * `timeoutMs` passes.
 * @param url The node's HTTP API.
 * @param options `timeoutMs` (required: every wait has one) and `failed`, checked before each request.
 */
export async function waitUntilCeramicHealthy(
  url: string,
  options: { timeoutMs: number; failed?: () => string | undefined },
): Promise<HealthWaitOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const failure = options.failed?.();
    if (failure !== undefined) return { healthy: false, reason: "failed", detail: failure };
    if (await isCeramicHealthy(url, Math.min(REQUEST_TIMEOUT_MS, Math.max(1, deadline - Date.now())))) return { healthy: true };
    if (Date.now() >= deadline) return { healthy: false, reason: "timeout" };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
