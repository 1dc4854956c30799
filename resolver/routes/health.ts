import type { FastifyInstance } from "fastify";
import { bytesToHex } from "../../sdk/crypto";
import type { ResolverContext } from "../context";

/**
 * `GET /healthz`: 200 while the chain answers and the resolver holds `RESOLVER_ROLE`, 503 otherwise; with the
 * head block, the last block scanned for burns and the counts of wraps, erased records and live nonces.
 * `GET /v1/info`: chain, contracts, the disclosure account and the key-release public key writers wrap to.
 */
export function registerHealthRoutes(app: FastifyInstance, context: ResolverContext, scannedBlock: () => number): void {
  app.get("/healthz", async (_request, reply) => {
    try {
      const { consentManager, provider, wallet } = context.chain;
      const [blockNumber, hasRole, counts] = await Promise.all([
        provider.getBlockNumber(),
        consentManager.RESOLVER_ROLE().then((role) => consentManager.hasRole(role, wallet.address)),
        context.database.counts(),
      ]);
      const body = { status: hasRole ? "ok" : "degraded", chainId: context.chain.chainId.toString(), blockNumber, scannedBlock: scannedBlock(), hasResolverRole: hasRole, ...counts };
      return reply.code(hasRole ? 200 : 503).send(body);
    } catch {
      return reply.code(503).send({ status: "unavailable", error: { code: "CHAIN_UNAVAILABLE", message: "the chain does not answer" } });
    }
  });
  app.get("/v1/info", async () => ({
    chainId: context.chain.chainId.toString(),
    consentManager: await context.chain.consentManager.getAddress(),
    recordToken: await context.chain.recordToken.getAddress(),
    address: context.identity.address,
    encryptionPublicKey: bytesToHex(context.identity.encryptionPublicKey),
  }));
}
