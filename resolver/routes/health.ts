import type { FastifyInstance } from "fastify";
import { bytesToHex } from "../../sdk/crypto";
import type { ResolverContext } from "../context";

/** How long one `/healthz` answer is served to every caller, in ms. */
export const HEALTH_CACHE_MS = 1_000;

/** A health answer: the HTTP status and the body. */
interface Health {
  status: number;
  body: Record<string, unknown>;
}

/**
 * `GET /healthz`: 200 while the chain answers and the resolver holds `RESOLVER_ROLE`, 503 otherwise; with the
 * head block, the last block scanned for burns and the counts of wraps, erased records and live nonces. The chain
 * reads and the counts run at most once per {@link HEALTH_CACHE_MS}: concurrent and repeated requests share one
 * answer, so a flood of health checks costs neither the node nor the database (and the route is rate-limited per
 * client address too).
 * `GET /v1/info`: chain, contracts, the disclosure account and the key-release public key writers wrap to.
 */
export function registerHealthRoutes(app: FastifyInstance, context: ResolverContext, scannedBlock: () => number): void {
  const check = async (): Promise<Health> => {
    try {
      const { consentManager, provider, wallet } = context.chain;
      const [blockNumber, hasRole, counts] = await Promise.all([
        provider.getBlockNumber(),
        consentManager.RESOLVER_ROLE().then((role) => consentManager.hasRole(role, wallet.address)),
        context.database.counts(),
      ]);
      const body = { status: hasRole ? "ok" : "degraded", chainId: context.chain.chainId.toString(), blockNumber, scannedBlock: scannedBlock(), hasResolverRole: hasRole, ...counts };
      return { status: hasRole ? 200 : 503, body };
    } catch {
      return { status: 503, body: { status: "unavailable", error: { code: "CHAIN_UNAVAILABLE", message: "the chain does not answer" } } };
    }
  };
  let cached: { at: number; health: Promise<Health> } | undefined;
  app.get("/healthz", async (_request, reply) => {
    const now = Date.now();
    if (!cached || now - cached.at >= HEALTH_CACHE_MS) cached = { at: now, health: check() };
    const { status, body } = await cached.health;
    return reply.code(status).send(body);
  });
  app.get("/v1/info", async () => ({
    chainId: context.chain.chainId.toString(),
    consentManager: await context.chain.consentManager.getAddress(),
    recordToken: context.chain.recordTokenAddress,
    address: context.identity.address,
    encryptionPublicKey: bytesToHex(context.identity.encryptionPublicKey),
  }));
}
