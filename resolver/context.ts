import type { TypedDataDomain } from "ethers";
import type { ResolverChain } from "./chain";
import type { ResolverConfig, ResolverLimits } from "./config";
import type { ResolverDatabase } from "./database";
import { ResolverHttpError } from "./errors";
import { resolverDomain, wallClockSeconds } from "@medrec/sdk/resolver/protocol";
import type { RecordAadFields } from "@medrec/sdk/crypto";
import type { ResolverIdentity } from "./identity";
import { createRateLimiter, type RateLimiter } from "./rate-limiter";
import { createContractSignatureChecker, isEcdsaSignatureOf, type ContractSignatureChecker } from "./signature";

/** What the routes share: the options of the access and deposit plugins. */
export interface ResolverContext {
  chain: ResolverChain;
  database: ResolverDatabase;
  identity: ResolverIdentity;
  /** The EIP-712 domain requests and deposits are signed under (`resolverDomain`). */
  domain: TypedDataDomain;
  limits: ResolverLimits;
  /** Per requester or depositor (see {@link authenticate}). */
  perRequester: RateLimiter;
  /** ERC-1271 checks, capped in gas and time. */
  contractSignatures: ContractSignatureChecker;
}

/**
 * The context a resolver runs with: its domain (the chain's id and `config.consentManager`), a per-requester limit
 * and a contract-signature checker on the chain's node, both from `config.limits`.
 * @param chain The connected chain.
 * @param database The opened database.
 * @param config Identity, ConsentManager address and limits.
 */
export function createResolverContext(
  chain: ResolverChain,
  database: ResolverDatabase,
  config: Pick<ResolverConfig, "identity" | "consentManager" | "limits">,
): ResolverContext {
  const { limits } = config;
  return {
    chain,
    database,
    identity: config.identity,
    domain: resolverDomain(chain.chainId, config.consentManager),
    limits,
    perRequester: createRateLimiter({ perMinute: limits.perRequesterPerMinute }),
    contractSignatures: createContractSignatureChecker(chain.provider, { gas: limits.signatureCheckGas, timeoutMs: limits.signatureCheckTimeoutMs }),
  };
}

/**
 * Refuses a signed message whose deadline passed or lies further ahead than the limits allow (a far deadline
 * would force the nonce to be kept for that long).
 */
export function checkDeadline(context: ResolverContext, deadline: bigint): void {
  const now = wallClockSeconds();
  if (deadline < now) throw new ResolverHttpError("REQUEST_EXPIRED", `the request expired at ${deadline} (now ${now})`);
  if (deadline > now + BigInt(context.limits.maxRequestTtlSeconds)) {
    throw new ResolverHttpError("INVALID_REQUEST", `the deadline lies more than ${context.limits.maxRequestTtlSeconds} s ahead`);
  }
}

/** The record version a wrap of this deployment is bound to (chain, RecordToken, token id, version). */
export function recordBinding(context: ResolverContext, tokenId: bigint, version: bigint): RecordAadFields {
  return { chainId: context.chain.chainId, recordToken: context.chain.recordTokenAddress, tokenId, version };
}

/** Takes one request of `account` from the per-requester limit; 429 when it is spent. */
export function limitRequester(context: ResolverContext, account: string): void {
  const decision = context.perRequester.take(account.toLowerCase());
  if (!decision.allowed) {
    throw new ResolverHttpError("RATE_LIMITED", "too many requests from this requester", { "retry-after": String(decision.retryAfterSeconds) });
  }
}

/**
 * Checks that `signer` signed `digest` and counts the request against `signer`'s limit, cheapest check first:
 * 1. an ECDSA signature that recovers to `signer` is checked locally, then counted;
 * 2. otherwise `signer` must be a contract (one cached code lookup; an EOA is refused here, uncounted, so nobody
 *    can spend an EOA's limit with junk in its name);
 * 3. the claim that the contract vouches through ERC-1271 costs the node a call: it is counted against `signer`'s
 *    limit **before** the call is made, and the call is capped in gas and time.
 * @param who Named in the refusal ("requester", "depositor").
 * @throws {ResolverHttpError} `RATE_LIMITED`, `INVALID_SIGNATURE`, or `CHAIN_UNAVAILABLE` (check timed out).
 */
export async function authenticate(context: ResolverContext, signer: string, digest: string, signature: string, who: string): Promise<void> {
  if (isEcdsaSignatureOf(signer, digest, signature)) {
    limitRequester(context, signer);
    return;
  }
  const refused = new ResolverHttpError("INVALID_SIGNATURE", `the signature is not the ${who}'s`);
  if (!(await context.contractSignatures.isContract(signer))) throw refused;
  limitRequester(context, signer);
  if (!(await context.contractSignatures.vouches(signer, digest, signature))) throw refused;
}

/**
 * The patient of a live record. A burned record (an id below `nextTokenId` without a patient) is shredded here
 * too, in case the burn watcher has not seen the burn yet, and refused with 410; an id never minted gets 404.
 */
export async function requireLiveRecord(context: ResolverContext, tokenId: bigint): Promise<string> {
  if (await context.database.isErased(tokenId)) throw new ResolverHttpError("RECORD_ERASED", `record #${tokenId} was erased`);
  const { recordToken, provider } = context.chain;
  const [patient, nextTokenId] = await Promise.all([recordToken.patientOf(tokenId), recordToken.nextTokenId()]);
  if (BigInt(patient) !== 0n) return patient;
  if (tokenId >= 1n && tokenId < nextTokenId) {
    await context.database.shred(tokenId, await provider.getBlockNumber());
    throw new ResolverHttpError("RECORD_ERASED", `record #${tokenId} was erased`);
  }
  throw new ResolverHttpError("UNKNOWN_RECORD", `record #${tokenId} does not exist`);
}
