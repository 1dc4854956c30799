/**
 * Resolver actions: what the client's resolver says about itself, a key source that has the resolver release a
 * record's key (after the read's Disclosure is mined) for `records.read`, and a bare key release.
 *
 * @module
 */
import { requireAccount, requireResolver, type MedrecClient } from "../client/client";
import { typedDataSigner } from "../client/account";
import type { KeySource } from "../records/read";
import { requestKeyRelease, resolverKeys, type KeyRelease } from "../resolver/client";
import type { ResolverInfo } from "../resolver/protocol";
import { checkedResolverInfo } from "./context";

/**
 * The client's resolver's `GET /v1/info`: its disclosure account, X25519 key, chain and contracts.
 * @throws {@link ResolverError} `RESOLVER_MISMATCH` when it serves another chain or ConsentManager than the client's.
 */
export function info(client: MedrecClient): Promise<ResolverInfo> {
  return checkedResolverInfo(client, "resolver.info");
}

/** Parameters of {@link keys} and {@link release}. */
export interface ReleaseParams {
  /** Purpose of use (bytes32), e.g. `Purpose.TREATMENT`, or `EMERGENCY_PURPOSE` under break-glass. */
  purpose: string;
  /** Seconds each signed request stays valid (default the resolver client's). */
  ttlSeconds?: bigint;
  /** The resolver's disclosure account (`info(client).address`); looked up per request when absent. */
  resolverAddress?: string;
}

/** The disclosure the resolver mined before releasing a key. */
export type ReleasedKeyExtra = { disclosure: { transactionHash: string; blockNumber: number } };

/** The signed-request options of the acting account for the client's resolver. */
function requestOptions(client: MedrecClient, action: string, params: ReleaseParams) {
  const account = requireAccount(client, action);
  return {
    url: requireResolver(client, action).url,
    signer: typedDataSigner(account),
    requester: account.kind === "smart" ? account.address : undefined,
    domain: client.domains.resolver,
    purpose: params.purpose,
    ttlSeconds: params.ttlSeconds,
    resolver: params.resolverAddress,
  };
}

/**
 * A key source for `records.read`: each read is one signed access request of the acting account to the client's
 * resolver, which checks the chain, mines the read's Disclosure and re-wraps the key to a one-time key.
 */
export function keys(client: MedrecClient, params: ReleaseParams): KeySource<ReleasedKeyExtra> {
  return resolverKeys(requestOptions(client, "resolver.keys", params));
}

/** A bare key release of one record (the key wrapped to a one-time key): for callers that open records themselves. */
export function release(client: MedrecClient, params: ReleaseParams & { tokenId: bigint }): Promise<KeyRelease> {
  return requestKeyRelease({ ...requestOptions(client, "resolver.release", params), tokenId: params.tokenId });
}
