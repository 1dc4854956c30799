/**
 * Audit: the HIPAA accounting of disclosures of a patient, built from on-chain events alone
 * (ARCHITECTURE.md, flow 9 and principle 3), and its output as JSON, CSV and FHIR R4 AuditEvents.
 *
 * ```ts
 * const accounting = await accountingOfDisclosures({ provider, contracts, patient, from, to });
 * toJson(accounting); toCsv(accounting); toFhirAuditEvents(accounting);
 * ```
 *
 * @module
 */
export { accountingOfDisclosures, type AccountingOptions, type AuditProvider, type AuditTime } from "./accounting";
export {
  AUDIT_ENTRY_FIELDS,
  AUDIT_EVENT_KINDS,
  type AccountingOfDisclosures,
  type AuditEntry,
  type AuditEventKind,
} from "./types";
export {
  AUDIT_TOPICS,
  EVENT_KINDS,
  decodeAuditLog,
  decodePurpose,
  formatExpiry,
  type AuditContracts,
  type AuditEventName,
  type DecodedAuditLog,
} from "./events";
export { DEFAULT_PAGE_SIZE, blockRanges, getLogsPaged, type BlockRange, type LogQuery } from "./paginate";
export { BlockTimestamps } from "./block-time";
export { AuditQueryError } from "./errors";
export { toJson } from "./json";
export { toCsv, csvRow, csvField } from "./csv";
export {
  ACT_REASON_SYSTEM,
  EMERGENCY_PURPOSE,
  PARTICIPATION_TYPE_SYSTEM,
  RECORD_TOKEN_SYSTEM,
  URI_SYSTEM,
  didPkh,
  formatTokenId,
  recordTokenIdentifier,
  scopeNames,
} from "../vocabulary";
export {
  toFhirAuditEvents,
  toFhirAuditEvent,
  AUDIT_EVENT_TYPE_SYSTEM,
  DICOM_SYSTEM,
  RESTFUL_INTERACTION_SYSTEM,
  ROLE_CODE_SYSTEM,
} from "./fhir-audit-event";
export { currentGrants, type CurrentGrant } from "./grants";
