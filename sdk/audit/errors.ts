/**
 * Errors of the audit module.
 *
 * @module
 */
import { MedrecError } from "../errors";

/**
 * Reading the chain for an accounting failed: a `getLogs` call for a block range (often because the RPC caps
 * the range or the result size: use a smaller `pageSize`), or a block that the node does not return.
 */
export class AuditQueryError extends MedrecError {
  declare readonly code: "AUDIT_QUERY_FAILED";
  /**
   * @param message What failed (a block range, a block number); carries no health data.
   * @param options Standard `ErrorOptions`; `cause` is the provider's error.
   */
  constructor(message: string, options?: ErrorOptions) {
    super("AUDIT_QUERY_FAILED", "unavailable", message, options);
  }
}
