/**
 * The JSON bodies of the resolver's HTTP API, requests and responses, and their conversion to and from the typed
 * messages. Integers travel as decimal strings (uint256 does not fit a JSON number); byte strings as `0x` hex.
 * Error responses are an `ErrorBody` (`./errors`).
 *
 * @module
 */
import type { ErrorBody } from "./errors";
import type { AccessRequest, KeyDeposit } from "./typed-data";

/** `POST /v1/access` request body. */
export interface AccessRequestBody {
  requester: string;
  resolver: string;
  tokenId: string;
  purpose: string;
  ephemeralPublicKey: string;
  deadline: string;
  nonce: string;
  signature: string;
}

/** `POST /v1/access` response body (200). */
export interface KeyReleaseBody {
  tokenId: string;
  version: string;
  /** The record's data key wrapped to the request's ephemeral public key (93 bytes, hex). */
  wrappedKey: string;
  /** The on-chain `Disclosure` that was mined before the key was released. */
  disclosure: DisclosureReceipt;
}

/**
 * The on-chain `Disclosure` mined for a key release: the `recordDisclosures` batch transaction that holds it, its
 * block, and the log's `requestHash` (the EIP-712 digest of the access request the reader signed) and index, so
 * that the reader can find the one event of its read among the batch's.
 */
export interface DisclosureReceipt {
  transactionHash: string;
  blockNumber: number;
  /** The EIP-712 digest of the access request (`accessRequestDigest`), as the `Disclosure` event carries it. */
  requestHash: string;
  /** The index of the `Disclosure` log in its block. */
  logIndex: number;
}

/** `PUT /v1/records/:tokenId/key` path parameters. */
export interface KeyDepositParams {
  tokenId: string;
}

/** `PUT /v1/records/:tokenId/key` request body. */
export interface KeyDepositBody {
  depositor: string;
  version: string;
  wrappedKey: string;
  deadline: string;
  signature: string;
}

/** `PUT /v1/records/:tokenId/key` response body: 201 when stored, 200 when the very same wrap was there already. */
export interface KeyDepositResultBody {
  tokenId: string;
  version: string;
}

/** `GET /v1/info` response body: what a resolver tells about itself. */
export interface ResolverInfo {
  chainId: string;
  consentManager: string;
  recordToken: string;
  /** The account that records disclosures (holds `RESOLVER_ROLE`). */
  address: string;
  /** The X25519 key that record keys are wrapped to at ingest (bytes32 hex). */
  encryptionPublicKey: string;
}

/** The disclosure account's state in `/healthz`. */
export interface DisclosureHealthBody {
  /** Disclosure transactions sent and not known to be mined. */
  pendingTransactions: number;
  /** Age of the oldest of them, in ms (0 when none). */
  oldestPendingMs: number;
  /** A nonce gap (dropped transactions) not yet mined over: the missing nonces `[from, to)` and its age in ms. */
  nonceGap: { from: number; to: number; ageMs: number } | null;
  /** Disclosures mined for requests that had been answered with a failure (Disclosures without a release). */
  disclosuresWithoutRelease: number;
  /**
   * The last sighting of another sender on the disclosure key (nonces the chain counted that this run did not hand
   * out, and how long ago, in ms): a second copy of the resolver on the same key. `null` when never seen.
   */
  foreignSender: { nonces: number; msAgo: number } | null;
}

/** One check of `/healthz`: whether it passed, how long it took, and why it failed (no secrets, no health data). */
export interface HealthCheckBody {
  ok: boolean;
  /** Time it took, in ms (at most the check's time limit, `HEALTH_CHECK_TIMEOUT_MS` of the service). */
  ms: number;
  /** Why it failed (e.g. `timed out after 1500 ms`, `SQLITE_FULL`, `no code at 0x…`). */
  error?: string;
}

/**
 * `GET /healthz` response body: 200 with `ok`; 503 with `degraded` and the checks that fail in `failing`. Each check
 * runs under its own time limit, so the answer never waits on a stuck node or disk:
 * - `chain`: the node answers `eth_blockNumber`;
 * - `contract-code`: ConsentManager and RecordToken have code on that node (a fresh chain on the same URL fails
 *   this one, not `chain`);
 * - `resolver-role`: the resolver's account holds `RESOLVER_ROLE`;
 * - `database-writable`: a real write to the database commits (full disk, I/O error, read-only fail it);
 * - `database-readable`: the counts can be read;
 * - `burn-watcher`: the burn scan reached the head within its bound;
 * - `disclosure-nonce-gap`: disclosure transactions were dropped and their nonces are not mined over yet;
 * - `disclosure-stalled`: a disclosure transaction is pending too long;
 * - `disclosure-key-shared`: another process sent with the disclosure key in the last 10 minutes (a second copy of
 *   the resolver: each copy needs its own key and database).
 * A check that depends on a failing one (`contract-code` and `resolver-role` on `chain`, `resolver-role` on
 * `contract-code`) is not named in `failing`; its entry in `checks` says why. Values not known (the chain or the
 * database did not answer) are `null`.
 */
export interface HealthBody {
  status: "ok" | "degraded";
  chainId: string;
  /** The chain's head (`null` when the node did not answer). */
  blockNumber: number | null;
  /** The last block scanned for burns (-1 before the first scan). */
  scannedBlock: number;
  hasResolverRole: boolean | null;
  /** Key wraps held. */
  wraps: number | null;
  /** Records erased (tombstones). */
  erased: number | null;
  /** Access-request nonces kept (until their deadline). */
  nonces: number | null;
  /** The checks that fail (empty when `ok`). */
  failing: string[];
  /** Every check run, by name. */
  checks: Record<string, HealthCheckBody>;
  /** How far the burn watcher is behind: blocks to the head (`null` when the head is not known) and ms since it last reached the head (`null` before). */
  burnWatcher: { lagBlocks: number | null; caughtUpMsAgo: number | null };
  disclosures: DisclosureHealthBody;
}

/** An access request as it travels. */
export function accessRequestToBody(request: AccessRequest, signature: string): AccessRequestBody {
  return {
    requester: request.requester,
    resolver: request.resolver,
    tokenId: request.tokenId.toString(),
    purpose: request.purpose,
    ephemeralPublicKey: request.ephemeralPublicKey,
    deadline: request.deadline.toString(),
    nonce: request.nonce.toString(),
    signature,
  };
}

/** The typed access request of a body (the body must have passed the schema). */
export function accessRequestFromBody(body: AccessRequestBody): AccessRequest {
  return {
    requester: body.requester,
    resolver: body.resolver,
    tokenId: BigInt(body.tokenId),
    purpose: body.purpose,
    ephemeralPublicKey: body.ephemeralPublicKey,
    deadline: BigInt(body.deadline),
    nonce: BigInt(body.nonce),
  };
}

/**
 * The typed key deposit of a body and the token id of its path.
 * @param wrappedKeyHash keccak256 of the body's wrapped key (what the depositor signed).
 */
export function keyDepositFromBody(tokenId: bigint, body: KeyDepositBody, wrappedKeyHash: string): KeyDeposit {
  return {
    depositor: body.depositor,
    tokenId,
    version: BigInt(body.version),
    wrappedKeyHash,
    deadline: BigInt(body.deadline),
  };
}
