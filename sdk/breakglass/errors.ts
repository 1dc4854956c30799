/**
 * Errors of the break-glass module.
 *
 * @module
 */
import { MedrecError, type ErrorCategory } from "../errors";

/**
 * Stable codes of {@link BreakGlassError}:
 * - `THRESHOLD_NOT_MET`: fewer valid owner approvals than the Safe's threshold; nothing was sent.
 * - `NOT_A_SAFE_OWNER`: the signer (or a collected signature's signer) is not an owner of this Safe.
 * - `INVALID_SIGNATURE`: a collected signature does not recover to the owner it claims to be from
 *   (wrong Safe, wrong transaction, tampered bytes).
 * - `STALE_NONCE`: the Safe transaction's nonce is not the Safe's current nonce (already executed or replaced).
 * - `EXECUTION_FAILED`: the chain refused the call (the decoded ConsentManager error is in the message), the
 *   transaction reverted, or the Safe or ConsentManager did not emit the expected events.
 * - `INVALID_DURATION`: the duration is not a whole number of seconds in 1..86400.
 * - `MISSING_REASON`: the reason is empty.
 * - `INVALID_SAFE_CONFIG`: owners or threshold of a Safe to create are invalid.
 * - `NO_GUARDIANS`: the patient's account has no guardians to build a Safe from.
 * - `PROPOSAL_INVALID`: a proposal file is malformed, or its transaction is not a plain call without refunds.
 * - `PROPOSAL_INCONSISTENT`: a proposal file's readable fields differ from its signed data (an edited file).
 * - `PROPOSAL_HASH_MISMATCH`: a proposal's transaction does not hash to its `safeTxHash` for the Safe it names.
 * - `PROPOSAL_WRONG_CHAIN`, `PROPOSAL_WRONG_DEPLOYMENT`: a proposal for another chain or ConsentManager.
 * - `SAFE_NOT_FOUND`: there is no contract at the Safe's address.
 * - `NOT_A_SAFE`: the contract at the address does not answer as a Safe.
 */
export type BreakGlassErrorCode =
  | "THRESHOLD_NOT_MET"
  | "NOT_A_SAFE_OWNER"
  | "INVALID_SIGNATURE"
  | "STALE_NONCE"
  | "EXECUTION_FAILED"
  | "INVALID_DURATION"
  | "MISSING_REASON"
  | "INVALID_SAFE_CONFIG"
  | "NO_GUARDIANS"
  | "PROPOSAL_INVALID"
  | "PROPOSAL_INCONSISTENT"
  | "PROPOSAL_HASH_MISMATCH"
  | "PROPOSAL_WRONG_CHAIN"
  | "PROPOSAL_WRONG_DEPLOYMENT"
  | "SAFE_NOT_FOUND"
  | "NOT_A_SAFE";

/** The {@link ErrorCategory} of each {@link BreakGlassErrorCode}: wrong inputs, or refusals by the Safe or the chain. */
export const BREAK_GLASS_CATEGORIES: Readonly<Record<BreakGlassErrorCode, ErrorCategory>> = Object.freeze({
  THRESHOLD_NOT_MET: "refused",
  NOT_A_SAFE_OWNER: "refused",
  INVALID_SIGNATURE: "refused",
  STALE_NONCE: "refused",
  EXECUTION_FAILED: "refused",
  INVALID_DURATION: "invalid-input",
  MISSING_REASON: "invalid-input",
  INVALID_SAFE_CONFIG: "invalid-input",
  NO_GUARDIANS: "invalid-input",
  PROPOSAL_INVALID: "invalid-input",
  PROPOSAL_INCONSISTENT: "invalid-input",
  PROPOSAL_HASH_MISMATCH: "invalid-input",
  PROPOSAL_WRONG_CHAIN: "invalid-input",
  PROPOSAL_WRONG_DEPLOYMENT: "invalid-input",
  SAFE_NOT_FOUND: "not-found",
  NOT_A_SAFE: "invalid-input",
});

/** A break-glass step was refused or failed. Messages never carry the reason text or keys. */
export class BreakGlassError extends MedrecError {
  declare readonly code: BreakGlassErrorCode;
  /**
   * @param code Stable machine-readable code; see {@link BreakGlassErrorCode}.
   * @param message What failed (addresses, counts, decoded contract errors); never the reason text.
   * @param options Standard `ErrorOptions` (`cause`).
   */
  constructor(code: BreakGlassErrorCode, message: string, options?: ErrorOptions) {
    super(code, BREAK_GLASS_CATEGORIES[code], message, options);
  }
}
