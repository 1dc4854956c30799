/**
 * The owner signatures of a Safe transaction as a proposal file keeps them: owner (checksummed) → signature (hex).
 *
 * @module
 */
import { getAddress } from "ethers";
import type { SafeTransaction } from "./approvals";

/** Owner (checksummed) → signature (lower-case hex) of a `SafeTransaction`. */
export function signaturesOf(transaction: SafeTransaction): Record<string, string> {
  const result: Record<string, string> = {};
  for (const signature of transaction.signatures.values()) result[getAddress(signature.signer)] = signature.data.toLowerCase();
  return result;
}
