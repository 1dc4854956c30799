import { fitsUint, type UintBits } from "@medrec/sdk/resolver/protocol";
import { ResolverHttpError } from "../errors";

/**
 * The value of a decimal field the schema let through, checked against its Solidity width (a pattern bounds the
 * digits, not the value: 78 digits can exceed 2^256 − 1).
 * @param value The field as it travelled (a decimal string the schema accepted).
 * @param bits Its Solidity width.
 * @param name Named in the refusal.
 * @throws {ResolverHttpError} `INVALID_REQUEST` (400) when it does not fit.
 */
export function uintField(value: string, bits: UintBits, name: string): bigint {
  const parsed = BigInt(value);
  if (!fitsUint(parsed, bits)) throw new ResolverHttpError("INVALID_REQUEST", `${name} does not fit in a uint${bits}`);
  return parsed;
}
