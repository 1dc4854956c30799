import type { FastifyPluginAsync } from "fastify";
import { bytesToHex } from "@medrec/sdk/crypto";
import { RESOLVER_ROUTES, type ResolverInfo } from "@medrec/sdk/resolver/protocol";
import type { ResolverContext } from "../context";

/** Options of {@link infoRoutes}. */
export type InfoRoutesOptions = Pick<ResolverContext, "chain" | "identity">;

/**
 * `GET /v1/info`: chain, contracts, the disclosure account and the key-release public key writers wrap to.
 * @param options The chain (its id and contracts) and the resolver's identity (its public parts only).
 */
export const infoRoutes: FastifyPluginAsync<InfoRoutesOptions> = async (app, options) => {
  app.get(RESOLVER_ROUTES.info, async (): Promise<ResolverInfo> => ({
    chainId: options.chain.chainId.toString(),
    consentManager: await options.chain.consentManager.getAddress(),
    recordToken: options.chain.recordTokenAddress,
    address: options.identity.address,
    encryptionPublicKey: bytesToHex(options.identity.encryptionPublicKey),
  }));
};
