/**
 * The JSON bodies of the resolver's HTTP API. Integers travel as decimal strings (uint256 does not fit a JSON
 * number); byte strings as `0x` hex.
 *
 * @module
 */
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
  disclosure: { transactionHash: string; blockNumber: number };
}

/** `PUT /v1/records/:tokenId/key` request body. */
export interface KeyDepositBody {
  depositor: string;
  version: string;
  wrappedKey: string;
  deadline: string;
  signature: string;
}

/** The body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string };
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

/** The typed key deposit of a body and the token id of its path. */
export function keyDepositFromBody(tokenId: bigint, body: KeyDepositBody, wrappedKeyHash: string): KeyDeposit {
  return {
    depositor: body.depositor,
    tokenId,
    version: BigInt(body.version),
    wrappedKeyHash,
    deadline: BigInt(body.deadline),
  };
}
