import type { FastifyInstance } from "fastify";
import { RESOLVER_ERRORS, RESOLVER_ROUTES, errorBody } from "@medrec/sdk/resolver/protocol";
import type { ResolverLimits } from "./config";
import { createRateLimiter } from "./rate-limiter";

/**
 * Limits the requests of each client address (`request.ip`: the socket's, or the forwarded client's behind trusted
 * proxies): `limits.perIpPerMinute` for every route but `/healthz`, which has a bucket of its own
 * (`limits.healthPerIpPerMinute`), so that monitoring and clients behind one address do not starve each other.
 * Beyond it: 429 `RATE_LIMITED` with `retry-after`, before any body is read.
 * @param app The root instance, before the route plugins are registered.
 * @param limits The rates.
 */
export function installIpRateLimit(app: FastifyInstance, limits: Pick<ResolverLimits, "perIpPerMinute" | "healthPerIpPerMinute">): void {
  const perIp = createRateLimiter({ perMinute: limits.perIpPerMinute });
  const healthPerIp = createRateLimiter({ perMinute: limits.healthPerIpPerMinute });
  app.addHook("onRequest", async (request, reply) => {
    const limiter = request.routeOptions.url === RESOLVER_ROUTES.health ? healthPerIp : perIp;
    const decision = limiter.take(request.ip);
    if (!decision.allowed) {
      return reply
        .code(RESOLVER_ERRORS.RATE_LIMITED.status)
        .header("retry-after", String(decision.retryAfterSeconds))
        .send(errorBody("RATE_LIMITED", "too many requests from this address"));
    }
  });
}
