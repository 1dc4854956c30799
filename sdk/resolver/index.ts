/**
 * `sdk/resolver`: the client of the key-release service (`resolver/`). A grantee signs an EIP-712 access
 * request; the resolver checks `ConsentManager` at the latest block, mines the `Disclosure`, and only then
 * returns the record's key re-wrapped to a one-time key of the grantee (ARCHITECTURE.md, flow 4). The protocol
 * both sides speak (routes, bodies, schemas, typed data, error codes) is `./protocol`, re-exported here.
 *
 * ```ts
 * const domain = resolver.resolverDomain(chainId, consentManager);
 * const record = await resolver.readRecordThroughResolver(context, { url, signer, domain, tokenId, purpose });
 * ```
 *
 * @module
 */
export * from "./protocol";
export { ResolverError } from "./errors";
export { resolverFetch, type ResolverUrl } from "./http";
export {
  resolverInfo,
  requestKeyRelease,
  readRecordThroughResolver,
  resolverKeys,
  depositRecordKey,
  DEFAULT_REQUEST_TTL_SECONDS,
  type KeyReleaseOptions,
  type KeyRelease,
  type ResolvedRecord,
  type KeyDepositOptions,
} from "./client";
export { resolverKeyStore, type ResolverKeyStoreOptions } from "./key-store";
