import type { FastifyPluginAsync } from "fastify";
import { bytesToHex, hexToBytes } from "@medrec/sdk/crypto";
import { InvalidKeyError, KeyUnwrapError } from "@medrec/sdk/errors";
import {
  ACCESS_REQUEST_BODY_SCHEMA,
  RESOLVER_ROUTES,
  UINT256_BITS,
  UINT64_BITS,
  accessRequestDigest,
  accessRequestFromBody,
  type AccessRequest,
  type AccessRequestBody,
  type KeyReleaseBody,
} from "@medrec/sdk/resolver/protocol";
import { CHECK_ALLOWED, CHECK_ERASED } from "../access-checks";
import { checksummedAddress } from "@medrec/sdk/chain";
import { authenticate, checkDeadline, recordBinding, refuseDeadRecord, type ResolverContext } from "../context";
import { refusalOf } from "../error-handler";
import { ResolverHttpError, chainUnavailable, isStorageFailure } from "../errors";
import { lastEntryAt } from "../disclosures/batcher";
import type { DisclosureEntry } from "../disclosures/match";
import { settledBy } from "../settled-by";
import { uintField } from "./fields";

/**
 * `POST /v1/access`: releases a record's key to a reader the chain allows, after logging the disclosure
 * on-chain. The checks, in order: schema and integer widths → deadline → the request names this resolver →
 * signature and per-requester limit (a local ECDSA check, counted after; or a claimed ERC-1271 signer, counted
 * before its gas- and time-capped call) → nonce (used once, even if a later check fails) → record live (410 when
 * erased, 404 when never minted) → `hasAccessFor(requester, tokenId, READ, purpose)` → a deposited wrap of the
 * current version → re-wrap to the ephemeral key, bound to that record version (in memory, node:crypto: `context.rewrapper`) → its `Disclosure` mined
 * → response. Liveness, access and version come from one `checkDisclosures` call at one block for all the requests
 * checked together (`context.accessChecks`); the disclosure goes into the `recordDisclosures` batch of its window
 * with the request's EIP-712 digest (`context.disclosures`), and the key leaves only once that batch's receipt holds
 * this request's `Disclosure` (a revocation mined in between refuses this request alone: 403/410). Any failure
 * releases nothing.
 * @param context The plugin's options: chain, database, identity, domain, limits and signature checks.
 */
export const accessRoutes: FastifyPluginAsync<ResolverContext> = async (app, context) => {
  app.post<{ Body: AccessRequestBody }>(RESOLVER_ROUTES.access, { schema: { body: ACCESS_REQUEST_BODY_SCHEMA } }, async (httpRequest, reply) => {
    const started = performance.now();
    const body = httpRequest.body;
    uintField(body.tokenId, UINT256_BITS, "tokenId");
    uintField(body.deadline, UINT64_BITS, "deadline");
    uintField(body.nonce, UINT256_BITS, "nonce");
    const request = accessRequestFromBody(body);
    const logFields = { requester: request.requester, tokenId: request.tokenId.toString(), purpose: request.purpose };
    try {
      checkDeadline(context, request.deadline);
      if (checksummedAddress(request.resolver) !== checksummedAddress(context.identity.address)) {
        throw new ResolverHttpError("WRONG_RESOLVER", `the request is signed for resolver ${request.resolver}, not this one (${context.identity.address})`);
      }
      const requestHash = accessRequestDigest(context.domain, request);
      // The checks wait on the chain (signature of a contract, access, liveness): bounded by the release budget, so a
      // stopped node costs the client at most that (503, retryable; the nonce stays used: a retry signs anew).
      const checking = checkRelease(context, request, body.signature, requestHash);
      const checked = await settledBy(checking, lastEntryAt(started, context.limits.disclosureTimeoutMs));
      if (!checked) {
        checking.then(({ released }) => released.fill(0), () => undefined); // done too late: the re-wrap never leaves
        throw chainUnavailable("the chain answered too slowly to check this request within the release budget; nothing was released");
      }
      const { entry, version, released } = checked;
      const disclosure = await context.disclosures.disclose(entry, started).catch((error: unknown) => {
        released.fill(0); // refused: the re-wrapped key never leaves
        throw error;
      });
      httpRequest.log.info({ ...logFields, outcome: "released", version: version.toString(), tx: disclosure.transactionHash, ms: Math.round(performance.now() - started) }, "key release");
      const response: KeyReleaseBody = { tokenId: request.tokenId.toString(), version: version.toString(), wrappedKey: bytesToHex(released), disclosure };
      return reply.code(200).send(response);
    } catch (error) {
      // The code the client gets (the error handler's mapping: storage and chain failures are 503s, not INTERNAL).
      const { code } = refusalOf(error as Error);
      httpRequest.log.info({ ...logFields, outcome: "refused", code, ms: Math.round(performance.now() - started) }, "key release");
      throw error;
    }
  });
};

/**
 * The checks of one key release before its disclosure (see {@link accessRoutes}): signature and per-requester limit,
 * nonce, record live, access and version at one block, a deposited wrap; then the re-wrap to the ephemeral key.
 * @returns The disclosure entry, the record version and the re-wrapped key (in memory: zeroed by the caller unless it leaves).
 */
async function checkRelease(
  context: ResolverContext,
  request: AccessRequest,
  signature: string,
  requestHash: string,
): Promise<{ entry: DisclosureEntry; version: bigint; released: Uint8Array }> {
  await authenticate(context, request.requester, requestHash, signature, "requester");
  // An erased record is refused 410 whatever the storage state: the tombstones are held in memory too, so when the
  // nonce cannot be claimed (disk full, read-only), a request for an erased record still learns it is gone.
  const claimed = await context.database.claimNonce(request.requester, request.nonce, request.deadline).catch(async (error: unknown) => {
    if (isStorageFailure(error) && (await context.database.isErased(request.tokenId))) throw new ResolverHttpError("RECORD_ERASED", `record #${request.tokenId} was erased`);
    throw error;
  });
  if (!claimed) {
    throw new ResolverHttpError("NONCE_REPLAYED", "this request was already used");
  }
  if (await context.database.isErased(request.tokenId)) throw new ResolverHttpError("RECORD_ERASED", `record #${request.tokenId} was erased`);
  const entry = { tokenId: request.tokenId, grantee: request.requester, purpose: request.purpose, requestHash };
  const check = await context.accessChecks.check(entry);
  if (check.status === CHECK_ERASED) await refuseDeadRecord(context, request.tokenId);
  if (check.status !== CHECK_ALLOWED) throw new ResolverHttpError("ACCESS_DENIED", "the requester holds no READ access to this record for this purpose");
  const { version } = check;
  const wrap = await context.database.getWrap(request.tokenId, version);
  if (!wrap) throw new ResolverHttpError("KEY_NOT_DEPOSITED", `no key of record #${request.tokenId} v${version} was deposited here`);
  let released: Uint8Array;
  try {
    released = context.rewrapper.rewrap(wrap, hexToBytes(request.ephemeralPublicKey), recordBinding(context, request.tokenId, version));
  } catch (error) {
    if (error instanceof InvalidKeyError) throw new ResolverHttpError("INVALID_REQUEST", "the ephemeral public key is not a usable X25519 key");
    if (error instanceof KeyUnwrapError) throw new ResolverHttpError("INTERNAL", "the stored wrap does not open with this resolver's key for this record version");
    throw error;
  }
  return { entry, version, released };
}
