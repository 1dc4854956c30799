/**
 * The JSON schemas of the resolver's requests: what the service validates (with fastify's ajv, unknown fields
 * refused, nothing coerced) before any handler runs. A pattern bounds the digits of an integer, not its value:
 * the service checks the Solidity width after the schema ({@link fitsUint}).
 *
 * @module
 */
import { SIGNATURE_MAX_BYTES, SIGNATURE_MIN_BYTES, WRAPPED_KEY_BYTES } from "./limits";

/** A 20-byte address, `0x` hex (any case). */
export const ADDRESS_SCHEMA = { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" } as const;
/** A uint256 as a decimal string without leading zeros (at most 78 digits). */
export const UINT256_SCHEMA = { type: "string", pattern: "^(0|[1-9][0-9]{0,77})$" } as const;
/** A uint64 as a decimal string without leading zeros (at most 20 digits). */
export const UINT64_SCHEMA = { type: "string", pattern: "^(0|[1-9][0-9]{0,19})$" } as const;
/** 32 bytes, `0x` hex. */
export const BYTES32_SCHEMA = { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" } as const;
/** 65-byte ECDSA signatures, and longer ERC-1271 ones up to {@link SIGNATURE_MAX_BYTES}. */
export const SIGNATURE_SCHEMA = { type: "string", pattern: `^0x([0-9a-fA-F]{2}){${SIGNATURE_MIN_BYTES},${SIGNATURE_MAX_BYTES}}$` } as const;
/** A wrapped data key ({@link WRAPPED_KEY_BYTES} bytes), `0x` hex. */
export const WRAPPED_KEY_SCHEMA = { type: "string", pattern: `^0x[0-9a-fA-F]{${WRAPPED_KEY_BYTES * 2}}$` } as const;

/** `POST /v1/access` body ({@link AccessRequestBody}). */
export const ACCESS_REQUEST_BODY_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["requester", "resolver", "tokenId", "purpose", "ephemeralPublicKey", "deadline", "nonce", "signature"],
  properties: {
    requester: ADDRESS_SCHEMA,
    resolver: ADDRESS_SCHEMA,
    tokenId: UINT256_SCHEMA,
    purpose: BYTES32_SCHEMA,
    ephemeralPublicKey: BYTES32_SCHEMA,
    deadline: UINT64_SCHEMA,
    nonce: UINT256_SCHEMA,
    signature: SIGNATURE_SCHEMA,
  },
} as const;

/** `PUT /v1/records/:tokenId/key` path parameters ({@link KeyDepositParams}). */
export const KEY_DEPOSIT_PARAMS_SCHEMA = { type: "object", required: ["tokenId"], properties: { tokenId: UINT256_SCHEMA } } as const;

/** `PUT /v1/records/:tokenId/key` body ({@link KeyDepositBody}). */
export const KEY_DEPOSIT_BODY_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["depositor", "version", "wrappedKey", "deadline", "signature"],
  properties: { depositor: ADDRESS_SCHEMA, version: UINT64_SCHEMA, wrappedKey: WRAPPED_KEY_SCHEMA, deadline: UINT64_SCHEMA, signature: SIGNATURE_SCHEMA },
} as const;
