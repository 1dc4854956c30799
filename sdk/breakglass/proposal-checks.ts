/**
 * The field checks of a break-glass proposal file (`proposal-file.ts`): strict shapes, addresses, decimals, hashes,
 * EIP-712 owner signatures, a plain call without gas refunds, and readable fields that say what the signed data says.
 *
 * @module
 */
import { Interface, ZeroAddress, getAddress, getBytes, isAddress, isHexString } from "ethers";
import { ConsentManager__factory } from "../chain/contracts/factories/contracts/ConsentManager__factory";
import { BreakGlassError } from "./errors";
import type { BreakGlassProposal, ProposalSafeTransaction } from "./proposal-file";

const consentInterface = new Interface(ConsentManager__factory.abi);

/** Makes the error of a malformed field. */
export type Invalid = (what: string) => BreakGlassError;

/** `value` as an object with exactly the fields `names` (missing and unknown fields refused). */
export function fields<F extends string>(value: unknown, names: readonly F[], what: string, invalid: Invalid): Record<F, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(`${what} is not an object`);
  const keys = Object.keys(value);
  const unknown = keys.filter((key) => !(names as readonly string[]).includes(key));
  if (unknown.length > 0) throw invalid(`${what} has unknown field(s): ${unknown.map((key) => key.slice(0, 40)).join(", ")}`);
  const missing = names.filter((field) => !keys.includes(field));
  if (missing.length > 0) throw invalid(`${what} lacks ${missing.join(", ")}`);
  return value as Record<F, unknown>;
}

/** A checksummed address. */
export function address(value: unknown, what: string, invalid: Invalid): string {
  if (typeof value !== "string" || !isAddress(value)) throw invalid(`${what} is not an address`);
  return getAddress(value);
}

/** A decimal uint string. */
export function decimal(value: unknown, what: string, invalid: Invalid): string {
  if (typeof value !== "string" || !/^(0|[1-9][0-9]{0,77})$/.test(value)) throw invalid(`${what} is not a decimal string`);
  return value;
}

/** 32 bytes of hex, lower case. */
export function bytes32(value: unknown, what: string, invalid: Invalid): string {
  if (typeof value !== "string" || !isHexString(value, 32)) throw invalid(`${what} is not 32 bytes of hex`);
  return value.toLowerCase();
}

/** Owner → signature; EIP-712 ECDSA signatures only (v 27 or 28), as `medrec breakglass sign` makes them. */
export function signatures(value: unknown, invalid: Invalid): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid("signatures is not an object");
  const result: Record<string, string> = {};
  for (const [owner, signature] of Object.entries(value)) {
    const checked = address(owner, "a signatures key", invalid);
    if (typeof signature !== "string" || !isHexString(signature, 65)) throw invalid(`the signature of ${checked} is not 65 bytes of hex`);
    const v = getBytes(signature)[64];
    if (v !== 27 && v !== 28) throw invalid(`the signature of ${checked} is not an EIP-712 ECDSA signature (v must be 27 or 28)`);
    if (result[checked] !== undefined) throw invalid(`two signatures of ${checked}`);
    result[checked] = signature.toLowerCase();
  }
  return result;
}

/** Only a plain call without gas refunds: what `propose` builds, and nothing that could pay anyone from the Safe. */
export function checkPlainCall(tx: ProposalSafeTransaction, invalid: Invalid): void {
  if (tx.operation !== 0) throw invalid("safeTransaction.operation must be 0 (Call); DELEGATECALL is never proposed");
  if (tx.value !== "0") throw invalid("safeTransaction.value must be 0");
  if (tx.safeTxGas !== "0" || tx.baseGas !== "0" || tx.gasPrice !== "0" || tx.gasToken !== ZeroAddress || tx.refundReceiver !== ZeroAddress) {
    throw invalid("safeTransaction must not carry gas refund parameters (safeTxGas, baseGas, gasPrice 0; gasToken, refundReceiver zero)");
  }
}

/** The readable fields must say what the signed data says. */
export function checkConsistent(proposal: BreakGlassProposal, file: string): void {
  const inconsistent = (what: string) =>
    new BreakGlassError("PROPOSAL_INCONSISTENT", `${file}: ${what}; the file was edited after it was proposed`);
  const { safeTransaction: tx, call } = proposal;
  if (tx.to !== proposal.consentManager) throw inconsistent("safeTransaction.to is not consentManager");
  let decoded: ReturnType<Interface["parseTransaction"]> = null;
  try {
    decoded = consentInterface.parseTransaction({ data: tx.data });
  } catch {
    decoded = null;
  }
  if (!decoded || decoded.name !== "emergencyAccess") throw inconsistent("safeTransaction.data is not a ConsentManager.emergencyAccess call");
  const [tokenId, grantee, reasonHash, duration] = decoded.args as unknown as [bigint, string, string, bigint];
  if (tokenId.toString(10) !== call.tokenId) throw inconsistent("call.tokenId differs from the signed data");
  if (getAddress(grantee) !== call.grantee) throw inconsistent("call.grantee differs from the signed data");
  if (reasonHash.toLowerCase() !== proposal.reasonHash) throw inconsistent("reasonHash differs from the signed data");
  if (duration !== BigInt(call.durationSeconds)) throw inconsistent("call.durationSeconds differs from the signed data");
}
