import type { FastifyPluginAsync } from "fastify";
import { RESOLVER_ROUTES, errorBody, type HealthBody, type HealthUnavailableBody } from "@medrec/sdk/resolver/protocol";
import type { ResolverContext } from "../context";
import { disclosureHealth } from "../disclosures/health";

/** How long one `/healthz` answer is served to every caller, in ms. */
export const HEALTH_CACHE_MS = 1_000;

/** Options of {@link healthRoutes}. */
export interface HealthRoutesOptions extends Pick<ResolverContext, "chain" | "database" | "disclosures" | "limits"> {
  /** The last block scanned for burns (-1 before the first scan). */
  scannedBlock(): number;
}

/** A health answer: the HTTP status and the body. */
interface Health {
  status: number;
  body: HealthBody | HealthUnavailableBody;
}

/**
 * `GET /healthz`: 200 while the chain answers, the resolver holds `RESOLVER_ROLE` and its disclosure transactions
 * flow (no nonce gap, none pending beyond `limits.disclosureStallMs`); 503 otherwise, naming the failing checks in
 * `failing`; with the head block, the last block scanned for burns, the counts of wraps, erased records and live
 * nonces, and the disclosure account's state (pending transactions, a gap, Disclosures without a release). The chain
 * reads and the counts run at most once per {@link HEALTH_CACHE_MS}: concurrent and repeated requests share one
 * answer, so a flood of health checks costs neither the node nor the database (and the route is rate-limited per
 * client address too, in a bucket of its own).
 * @param options Chain, database and the burn scan position.
 */
export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, options) => {
  const check = async (): Promise<Health> => {
    try {
      const { consentManager, provider, wallet } = options.chain;
      const [blockNumber, hasRole, counts] = await Promise.all([
        provider.getBlockNumber(),
        consentManager.RESOLVER_ROLE().then((role) => consentManager.hasRole(role, wallet.address)),
        options.database.counts(),
      ]);
      const disclosures = disclosureHealth(options.chain.account.state(), options.disclosures.disclosuresWithoutRelease(), options.limits.disclosureStallMs);
      const failing = [...(hasRole ? [] : ["resolver-role"]), ...disclosures.failing];
      const body: HealthBody = {
        status: failing.length === 0 ? "ok" : "degraded",
        chainId: options.chain.chainId.toString(),
        blockNumber,
        scannedBlock: options.scannedBlock(),
        hasResolverRole: hasRole,
        ...counts,
        failing,
        disclosures: disclosures.body,
      };
      return { status: failing.length === 0 ? 200 : 503, body };
    } catch {
      return { status: 503, body: { status: "unavailable", ...errorBody("CHAIN_UNAVAILABLE", "the chain does not answer") } };
    }
  };
  let cached: { at: number; health: Promise<Health> } | undefined;
  app.get(RESOLVER_ROUTES.health, async (_request, reply) => {
    const now = Date.now();
    if (!cached || now - cached.at >= HEALTH_CACHE_MS) cached = { at: now, health: check() };
    const { status, body } = await cached.health;
    return reply.code(status).send(body);
  });
};
