import type { FastifyPluginAsync } from "fastify";
import { getAddress } from "ethers";
import { bytesToHex, rewrapKey } from "@medrec/sdk/crypto";
import { InvalidKeyError, KeyUnwrapError } from "@medrec/sdk/errors";
import { Scope } from "@medrec/sdk/vocabulary";
import {
  ACCESS_REQUEST_BODY_SCHEMA,
  RESOLVER_ROUTES,
  UINT256_BITS,
  UINT64_BITS,
  accessRequestDigest,
  accessRequestFromBody,
  type AccessRequestBody,
  type KeyReleaseBody,
} from "@medrec/sdk/resolver/protocol";
import { authenticate, checkDeadline, recordBinding, requireLiveRecord, type ResolverContext } from "../context";
import { ResolverHttpError } from "../errors";
import { uintField } from "./fields";

/**
 * `POST /v1/access`: releases a record's key to a reader the chain allows, after logging the disclosure
 * on-chain. The checks, in order: schema and integer widths → deadline → the request names this resolver →
 * signature and per-requester limit (a local ECDSA check, counted after; or a claimed ERC-1271 signer, counted
 * before its gas- and time-capped call) → nonce (used once, even if a later check fails) → record live (410 when
 * erased) → `hasAccessFor(requester, tokenId, READ, purpose)` at the latest block → a deposited wrap of the current
 * version → re-wrap to the ephemeral key, bound to that record version (in memory) → `recordDisclosure` mined →
 * response. Any failure releases nothing.
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
      if (getAddress(request.resolver) !== getAddress(context.identity.address)) {
        throw new ResolverHttpError("WRONG_RESOLVER", `the request is signed for resolver ${request.resolver}, not this one (${context.identity.address})`);
      }
      await authenticate(context, request.requester, accessRequestDigest(context.domain, request), body.signature, "requester");
      if (!(await context.database.claimNonce(request.requester, request.nonce, request.deadline))) {
        throw new ResolverHttpError("NONCE_REPLAYED", "this request was already used");
      }
      // The chain reads run concurrently; their verdicts are taken in the documented order.
      const { consentManager, recordToken } = context.chain;
      const [live, allowed, record] = await Promise.allSettled([
        requireLiveRecord(context, request.tokenId),
        consentManager.hasAccessFor(request.requester, request.tokenId, Scope.READ, request.purpose),
        recordToken.recordOf(request.tokenId),
      ]);
      if (live.status === "rejected") throw live.reason;
      if (allowed.status === "rejected") throw allowed.reason;
      if (!allowed.value) throw new ResolverHttpError("ACCESS_DENIED", "the requester holds no READ access to this record for this purpose");
      if (record.status === "rejected") throw record.reason;
      const { version } = record.value;
      const wrap = await context.database.getWrap(request.tokenId, version);
      if (!wrap) throw new ResolverHttpError("KEY_NOT_DEPOSITED", `no key of record #${request.tokenId} v${version} was deposited here`);
      let released: Uint8Array;
      try {
        released = await rewrapKey(wrap, context.identity.encryptionPrivateKey, request.ephemeralPublicKey, recordBinding(context, request.tokenId, version));
      } catch (error) {
        if (error instanceof InvalidKeyError) throw new ResolverHttpError("INVALID_REQUEST", "the ephemeral public key is not a usable X25519 key");
        if (error instanceof KeyUnwrapError) throw new ResolverHttpError("INTERNAL", "the stored wrap does not open with this resolver's key for this record version");
        throw error;
      }
      const disclosure = await context.chain.disclose(request.tokenId, request.requester, request.purpose);
      httpRequest.log.info({ ...logFields, outcome: "released", version: version.toString(), tx: disclosure.transactionHash, ms: Math.round(performance.now() - started) }, "key release");
      const response: KeyReleaseBody = { tokenId: request.tokenId.toString(), version: version.toString(), wrappedKey: bytesToHex(released), disclosure };
      return reply.code(200).send(response);
    } catch (error) {
      const code = error instanceof ResolverHttpError ? error.code : "INTERNAL";
      httpRequest.log.info({ ...logFields, outcome: "refused", code, ms: Math.round(performance.now() - started) }, "key release");
      throw error;
    }
  });
};
