import { ResolverHttpError } from "../errors";

/** JSON-schema fragments of the resolver's request bodies (validated by fastify before any handler runs). */
export const ADDRESS = { type: "string", pattern: "^0x[0-9a-fA-F]{40}$" } as const;
export const UINT256 = { type: "string", pattern: "^(0|[1-9][0-9]{0,77})$" } as const;
export const UINT64 = { type: "string", pattern: "^(0|[1-9][0-9]{0,19})$" } as const;
export const BYTES32 = { type: "string", pattern: "^0x[0-9a-fA-F]{64}$" } as const;
/** 65-byte ECDSA signatures, and longer ERC-1271 ones up to 1 KiB. */
export const SIGNATURE = { type: "string", pattern: "^0x([0-9a-fA-F]{2}){65,1024}$" } as const;
/** A 93-byte wrapped key. */
export const WRAPPED_KEY = { type: "string", pattern: "^0x[0-9a-fA-F]{186}$" } as const;

/** The error body every refusal has. */
export const ERROR_RESPONSE = {
  type: "object",
  properties: { error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } } } },
} as const;

/**
 * The value of a decimal field the schema let through, checked against its Solidity width (a pattern bounds the
 * digits, not the value: 78 digits can exceed 2^256 − 1).
 * @throws {ResolverHttpError} `INVALID_REQUEST` (400) when it does not fit.
 */
export function uintField(value: string, bits: 64 | 256, name: string): bigint {
  const parsed = BigInt(value);
  if (parsed >= 1n << BigInt(bits)) throw new ResolverHttpError("INVALID_REQUEST", `${name} does not fit in a uint${bits}`);
  return parsed;
}
