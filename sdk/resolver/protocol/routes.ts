/**
 * The resolver's routes: where each request goes. The service registers these patterns; the client builds its URLs
 * from them.
 *
 * @module
 */

/** The path (a fastify route pattern) of every route of the resolver. */
export const RESOLVER_ROUTES = Object.freeze({
  /** `GET`: liveness and state ({@link HealthBody}). */
  health: "/healthz",
  /** `GET`: who the resolver is ({@link ResolverInfo}). */
  info: "/v1/info",
  /** `POST` an {@link AccessRequestBody}: a key release ({@link KeyReleaseBody}). */
  access: "/v1/access",
  /** `PUT` a {@link KeyDepositBody}: a key deposit ({@link KeyDepositResultBody}). */
  keyDeposit: "/v1/records/:tokenId/key",
} as const);

/** The path of the key deposit of record `tokenId` ({@link RESOLVER_ROUTES}`.keyDeposit` filled in). */
export function keyDepositPath(tokenId: bigint): string {
  return RESOLVER_ROUTES.keyDeposit.replace(":tokenId", tokenId.toString());
}
