// Shared helpers of the sdk/crypto tests (loaded by mocha too; defines no tests).
import type { RecordAadFields } from "../../../sdk/crypto";

export { expectMedrecError, expectRejects } from "../../helpers/rejects";

/** A copy of `bytes` with bit `bit` (0 = least significant bit of byte 0) flipped. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[bit >> 3] ^= 1 << (bit & 7);
  return out;
}

/** A fixed AAD used where the exact values do not matter. */
export const AAD: RecordAadFields = {
  chainId: 260n,
  recordToken: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  tokenId: 42n,
  version: 3n,
};

/** `aad` with bit `bit` of field `field` flipped (address bits index the 20 address bytes). */
export function flipAadField(aad: RecordAadFields, field: keyof RecordAadFields, bit: number): RecordAadFields {
  if (field === "recordToken") {
    const bytes = Buffer.from(aad.recordToken.slice(2), "hex");
    const flipped = flipBit(bytes, bit);
    return { ...aad, recordToken: `0x${Buffer.from(flipped).toString("hex")}` };
  }
  return { ...aad, [field]: BigInt(aad[field]) ^ (1n << BigInt(bit)) };
}

/** Number of bits of each AAD field. */
export const AAD_FIELD_BITS: Record<keyof RecordAadFields, number> = {
  chainId: 256,
  recordToken: 160,
  tokenId: 256,
  version: 64,
};

export const utf8 = (s: string) => new TextEncoder().encode(s);
