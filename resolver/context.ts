import type { TypedDataDomain } from "ethers";
import { disclosuresPerBatch, type ResolverChain } from "./chain";
import { createAccessChecker, type AccessChecker } from "./access-checks";
import { createDisclosureBatcher, type BatchReport, type DisclosureBatcher, type WithoutReleaseTally } from "./disclosures/batcher";
import { matchDisclosures } from "./disclosures/match";
import type { ResolverConfig, ResolverLimits } from "./config";
import type { ResolverDatabase } from "./database";
import { ResolverHttpError, isStorageFailure } from "./errors";
import { resolverDomain, wallClockSeconds } from "@medrec/sdk/resolver/protocol";
import type { RecordAadFields } from "@medrec/sdk/crypto";
import type { ResolverIdentity } from "./identity";
import { createRateLimiter, type RateLimiter } from "./rate-limiter";
import { createKeyRewrapper, type KeyRewrapper } from "./rewrap";
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
  /** The access checks of key releases, one `checkDisclosures` call at one block per batch. */
  accessChecks: AccessChecker;
  /** Records key releases in `recordDisclosures` batches and answers each from its batch's receipt. */
  disclosures: DisclosureBatcher;
  /** Re-wraps record keys from the resolver's X25519 key (loaded once) to the readers' one-time keys. */
  rewrapper: KeyRewrapper;
  /** First block of the deployment (where a record's events are looked for). */
  startBlock: number;
}

/** Most access questions in one `checkDisclosures` call (a view: about 10 k gas each, under the node's call cap). */
const CHECKS_PER_CALL = 256;
/** Most `checkDisclosures` calls in flight. */
const CHECK_CALLS_IN_FLIGHT = 2;

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
  config: Pick<ResolverConfig, "identity" | "consentManager" | "limits"> & { startBlock?: number },
  options: { onBatch?: (report: BatchReport) => void; withoutRelease?: WithoutReleaseTally } = {},
): ResolverContext {
  const { limits } = config;
  const consentManagerAddress = chain.consentManager.target as string;
  const disclosures = createDisclosureBatcher(
    {
      send: (entries) => chain.sendDisclosures(entries),
      wait: (hashes, timeoutMs) => chain.receipts.wait(hashes, timeoutMs),
      cancel: (sent) => chain.account.cancel(sent.nonce),
      settle: (sent) => chain.account.settle(sent.nonce),
      nonceMined: (sent) => chain.account.isMined(sent.nonce),
      verdicts: (logs, entries) => matchDisclosures(logs, chain.consentManager.interface, consentManagerAddress, chain.wallet.address, entries),
    },
    {
      windowMs: limits.disclosureWindowMs,
      pipelineWindowMs: limits.disclosurePipelineWindowMs,
      maxBatch: disclosuresPerBatch(limits.disclosureBatchGas),
      maxInFlight: limits.disclosuresInFlight,
      maxPending: limits.maxPendingDisclosures,
      timeoutMs: limits.disclosureTimeoutMs,
      closeWaitMs: limits.disclosureCloseWaitMs,
    },
    options.onBatch,
    options.withoutRelease,
  );
  return {
    chain,
    database,
    identity: config.identity,
    domain: resolverDomain(chain.chainId, config.consentManager),
    limits,
    perRequester: createRateLimiter({ perMinute: limits.perRequesterPerMinute }),
    contractSignatures: createContractSignatureChecker(chain.provider, { gas: limits.signatureCheckGas, timeoutMs: limits.signatureCheckTimeoutMs }),
    accessChecks: createAccessChecker(chain, { maxBatch: CHECKS_PER_CALL, maxInFlight: CHECK_CALLS_IN_FLIGHT }),
    disclosures,
    rewrapper: createKeyRewrapper(config.identity.encryptionPrivateKey),
    startBlock: config.startBlock ?? 0,
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
 * Refuses an erased or unknown record whose chain check found no live pointer: an id that was ever minted
 * (`isUsed`) and has no pointer was burned, so it is shredded here too (in case the burn watcher has not seen the
 * burn yet) and refused with 410; an id never minted gets 404. Pointer and `isUsed` are read at one block (the head
 * now, or `blockTag`), so a record minted since the check is never mistaken for an erased one (it gets 404, as it
 * did not exist when checked).
 * @param blockTag The block to read at (default: the node's head, read first).
 */
export async function refuseDeadRecord(context: ResolverContext, tokenId: bigint, blockTag?: number): Promise<never> {
  const { recordToken, provider } = context.chain;
  const at = blockTag ?? Number(await provider.send("eth_blockNumber", []));
  const [[patient], used] = await Promise.all([recordToken.pointerOf(tokenId, { blockTag: at }), recordToken.isUsed(tokenId, { blockTag: at })]);
  if (BigInt(patient) === 0n && used) {
    await shredErased(context, tokenId);
    throw new ResolverHttpError("RECORD_ERASED", `record #${tokenId} was erased`);
  }
  throw new ResolverHttpError("UNKNOWN_RECORD", `record #${tokenId} does not exist`);
}

/**
 * Shreds a record the chain says was erased. When the storage fails the tombstone is still held in memory (the
 * record is refused from now on) and the burn watcher or the next request deletes the wraps: the caller answers
 * 410 either way, never a 503 for a record known to be gone.
 */
export async function shredErased(context: ResolverContext, tokenId: bigint): Promise<void> {
  try {
    await context.database.shred(tokenId, await context.chain.provider.getBlockNumber());
  } catch (error) {
    if (!isStorageFailure(error)) throw error;
  }
}

/**
 * The patient and current version of a live record, read at `blockTag`. An erased record (a tombstone here, or an id
 * that was minted and has no pointer now) is refused with 410, an id never minted with 404 ({@link refuseDeadRecord}).
 */
export async function requireLiveRecord(context: ResolverContext, tokenId: bigint, blockTag: number | "latest" = "latest"): Promise<{ patient: string; version: bigint }> {
  if (await context.database.isErased(tokenId)) throw new ResolverHttpError("RECORD_ERASED", `record #${tokenId} was erased`);
  const [patient, version] = await context.chain.recordToken.pointerOf(tokenId, { blockTag });
  if (BigInt(patient) !== 0n) return { patient, version };
  return refuseDeadRecord(context, tokenId, blockTag === "latest" ? undefined : blockTag);
}
