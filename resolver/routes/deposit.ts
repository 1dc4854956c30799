import type { FastifyInstance } from "fastify";
import { getAddress, keccak256 } from "ethers";
import { hexToBytes, unwrapKey } from "../../sdk/crypto";
import { keyDepositDigest } from "../../sdk/resolver/typed-data";
import { keyDepositFromBody, type KeyDepositBody } from "../../sdk/resolver/wire";
import { checkDeadline, limitRequester, requireLiveRecord, type ResolverContext } from "../context";
import { ResolverHttpError } from "../errors";
import { isValidSignatureNow } from "../signature";
import { ADDRESS, SIGNATURE, UINT256, UINT64, WRAPPED_KEY } from "./schemas";

const PARAMS = { type: "object", required: ["tokenId"], properties: { tokenId: UINT256 } } as const;
const BODY = {
  type: "object",
  additionalProperties: false,
  required: ["depositor", "version", "wrappedKey", "deadline", "signature"],
  properties: { depositor: ADDRESS, version: UINT64, wrappedKey: WRAPPED_KEY, deadline: UINT64, signature: SIGNATURE },
} as const;

/**
 * `PUT /v1/records/:tokenId/key`: the writer of a record version deposits the data key wrapped to the
 * resolver's key. Accepted only from the record's patient or the issuer of the current version (EIP-712
 * `KeyDeposit`, EOA or ERC-1271), for the current version, and only if the wrap opens with the resolver's key.
 */
export function registerDepositRoute(app: FastifyInstance, context: ResolverContext): void {
  app.put<{ Params: { tokenId: string }; Body: KeyDepositBody }>(
    "/v1/records/:tokenId/key",
    { schema: { params: PARAMS, body: BODY } },
    async (httpRequest, reply) => {
      const tokenId = BigInt(httpRequest.params.tokenId);
      const body = httpRequest.body;
      const deposit = keyDepositFromBody(tokenId, body, keccak256(body.wrappedKey));
      checkDeadline(context, deposit.deadline);
      if (!(await isValidSignatureNow(context.chain.provider, deposit.depositor, keyDepositDigest(context.domain, deposit), body.signature))) {
        throw new ResolverHttpError("INVALID_SIGNATURE", "the signature is not the depositor's");
      }
      limitRequester(context, deposit.depositor);
      const patient = await requireLiveRecord(context, tokenId);
      const record = await context.chain.recordToken.recordOf(tokenId);
      if (record.version !== deposit.version) {
        throw new ResolverHttpError("VERSION_MISMATCH", `record #${tokenId} is at version ${record.version}, not ${deposit.version}`);
      }
      const depositor = getAddress(deposit.depositor);
      if (depositor !== getAddress(patient) && depositor !== getAddress(record.issuer)) {
        throw new ResolverHttpError("NOT_RECORD_WRITER", "only the record's patient or issuer may deposit its key");
      }
      const wrappedKey = hexToBytes(body.wrappedKey);
      try {
        unwrapKey(wrappedKey, context.identity.encryptionPrivateKey).fill(0);
      } catch {
        throw new ResolverHttpError("KEY_DOES_NOT_OPEN", "the wrapped key does not open with this resolver's key");
      }
      await context.database.putWrap(tokenId, deposit.version, wrappedKey);
      httpRequest.log.info({ depositor, tokenId: tokenId.toString(), version: deposit.version.toString(), outcome: "stored" }, "key deposit");
      return reply.code(201).send({ tokenId: tokenId.toString(), version: deposit.version.toString() });
    },
  );
}
