import type { FastifyPluginAsync } from "fastify";
import { getAddress, keccak256 } from "ethers";
import { hexToBytes, unwrapKey } from "@medrec/sdk/crypto";
import { Scope } from "@medrec/sdk/vocabulary";
import {
  KEY_DEPOSIT_BODY_SCHEMA,
  KEY_DEPOSIT_PARAMS_SCHEMA,
  RESOLVER_ROUTES,
  UINT256_BITS,
  UINT64_BITS,
  keyDepositDigest,
  keyDepositFromBody,
  type KeyDepositBody,
  type KeyDepositParams,
  type KeyDepositResultBody,
} from "@medrec/sdk/resolver/protocol";
import { authenticate, checkDeadline, recordBinding, requireLiveRecord, shredErased, type ResolverContext } from "../context";
import { issuerOfVersion } from "../issuer";
import { ResolverHttpError } from "../errors";
import { uintField } from "./fields";

/**
 * `PUT /v1/records/:tokenId/key`: the writer of a record version deposits the data key wrapped to the resolver's
 * key, bound to that record version. Accepted only:
 * - signed (EIP-712 `KeyDeposit`, EOA or ERC-1271) by the record's patient, or by the issuer of the current version
 *   while that issuer is active and holds live APPEND on the record, all read at one block (the issuer from the
 *   version's `RecordMinted`/`DataUpdated` event: RecordToken keeps no issuer in storage);
 * - for the current version, and only if the wrap opens with the resolver's key **for that record version**;
 * - once per record version: the same wrap again is accepted as a retry (200), any other is refused
 *   (`KEY_ALREADY_DEPOSITED`), so no late, revoked or replayed deposit can swap the key readers get.
 * A record erased while its deposit was being stored is shredded again and refused (410).
 * @param context The plugin's options: chain, database, identity, domain, limits and signature checks.
 */
export const depositRoutes: FastifyPluginAsync<ResolverContext> = async (app, context) => {
  app.put<{ Params: KeyDepositParams; Body: KeyDepositBody }>(
    RESOLVER_ROUTES.keyDeposit,
    { schema: { params: KEY_DEPOSIT_PARAMS_SCHEMA, body: KEY_DEPOSIT_BODY_SCHEMA } },
    async (httpRequest, reply) => {
      const tokenId = uintField(httpRequest.params.tokenId, UINT256_BITS, "tokenId");
      const body = httpRequest.body;
      uintField(body.version, UINT64_BITS, "version");
      uintField(body.deadline, UINT64_BITS, "deadline");
      const deposit = keyDepositFromBody(tokenId, body, keccak256(body.wrappedKey));
      checkDeadline(context, deposit.deadline);
      await authenticate(context, deposit.depositor, keyDepositDigest(context.domain, deposit), body.signature, "depositor");
      // The record, its version, the issuer of that version and the issuer's authority, all read at one block (the
      // node's head now: ethers' getBlockNumber may answer from a cache older than the record).
      const { provider, recordToken, consentManager } = context.chain;
      const blockTag = Number(await provider.send("eth_blockNumber", []));
      const { patient, version } = await requireLiveRecord(context, tokenId, blockTag);
      const depositor = getAddress(deposit.depositor);
      const isPatient = depositor === getAddress(patient);
      if (version !== deposit.version) {
        throw new ResolverHttpError("VERSION_MISMATCH", `record #${tokenId} is at version ${version}, not ${deposit.version}`);
      }
      if (!isPatient) {
        const [issuer, issuerMayWrite] = await Promise.all([
          issuerOfVersion(recordToken, tokenId, version, context.startBlock, blockTag),
          consentManager.hasAccess(depositor, tokenId, Scope.APPEND, { blockTag }),
        ]);
        if (issuer === undefined || depositor !== issuer || !issuerMayWrite) {
          throw new ResolverHttpError(
            "NOT_RECORD_WRITER",
            "only the record's patient, or the issuer of its current version while it is active and holds APPEND, may deposit its key",
          );
        }
      }
      const wrappedKey = hexToBytes(body.wrappedKey);
      try {
        (await unwrapKey(wrappedKey, context.identity.encryptionPrivateKey, recordBinding(context, tokenId, deposit.version))).fill(0);
      } catch {
        throw new ResolverHttpError("KEY_DOES_NOT_OPEN", "the wrapped key does not open with this resolver's key for this record version");
      }
      const outcome = await context.database.insertWrap(tokenId, deposit.version, wrappedKey);
      if (outcome === "conflict") {
        throw new ResolverHttpError("KEY_ALREADY_DEPOSITED", `record #${tokenId} v${deposit.version} already has its key here; a new key needs a new version`);
      }
      // A burn mined while this deposit was checked may have been shredded before the insert: check after it.
      if ((await context.database.isErased(tokenId)) || BigInt(await recordToken.patientOf(tokenId)) === 0n) {
        await shredErased(context, tokenId);
        throw new ResolverHttpError("RECORD_ERASED", `record #${tokenId} was erased`);
      }
      httpRequest.log.info({ depositor, tokenId: tokenId.toString(), version: deposit.version.toString(), outcome }, "key deposit");
      const response: KeyDepositResultBody = { tokenId: tokenId.toString(), version: deposit.version.toString() };
      return reply.code(outcome === "stored" ? 201 : 200).send(response);
    },
  );
};
