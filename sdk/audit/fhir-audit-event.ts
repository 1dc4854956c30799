/**
 * FHIR R4 AuditEvent resources from an accounting of disclosures: one per entry.
 *
 * Mapping (each AuditEvent holds only addresses, codes, hashes, ids and times, never health data):
 *
 * | kind | type | subtype | action |
 * |---|---|---|---|
 * | disclosure | DCM 110106 Export | restful-interaction `read` | R |
 * | grant | audit-event-type `rest` | restful-interaction `create` | C |
 * | revocation | audit-event-type `rest` | restful-interaction `delete` | D |
 * | emergency-access | DCM 110113 Security Alert | DCM 110127 Emergency Override Started | E |
 * | emergency-access-ended | DCM 110113 Security Alert | DCM 110138 Emergency Override Stopped | E |
 * | emergency-delegate | DCM 110113 Security Alert | DCM 110136 Security Roles Changed | U |
 * | record-created / -updated / -erased | DCM 110110 Patient Record | restful-interaction `create`/`update`/`delete` | C / U / D |
 *
 * `recorded` is the block time and `outcome` is `0` (the event exists only because the transaction
 * succeeded). Agents are identified by did:pkh; the one that initiated the event has `requestor: true` (the
 * recipient for a disclosure: it requested the key). Outside disclosures the actor is v3-ParticipationType
 * `AUT` and the recipient, when there is one, `IRCP`; an emergency delegate receives an authority, not
 * information, and is v3-RoleCode `DELEGATEE` (no second agent when the delegate is cleared).
 * `source.observer` is the emitting contract (its did:pkh and a display name). Entities: the record token
 * (`<chainId>/<RecordToken>/<tokenId>`, `all` for patient-wide events; role Domain Resource, with the chain
 * coordinates and the event's hashes and ids as `detail`) and the patient (did:pkh, role Patient).
 * `purposeOfEvent` is the HL7 v3 ActReason code of the event's purpose.
 *
 * @module
 */
import type { AuditEvent, AuditEventAgent, AuditEventEntity, AuditEventEntityDetail, Coding } from "@medplum/fhirtypes";
import { getAddress, id as keccakUtf8 } from "ethers";
import { ACT_REASON_SYSTEM, PARTICIPATION_TYPE_SYSTEM, PURPOSE_DISPLAY, RECORD_TOKEN_SYSTEM, URI_SYSTEM, didPkh, recordTokenIdentifier } from "../vocabulary";
import type { AccountingOfDisclosures, AuditEntry, AuditEventKind } from "./types";

/** Code system of DICOM audit codes. */
export const DICOM_SYSTEM = "http://dicom.nema.org/resources/ontology/DCM";
/** Code system of the FHIR audit event types (`rest`). */
export const AUDIT_EVENT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/audit-event-type";
/** Code system of FHIR RESTful interactions. */
export const RESTFUL_INTERACTION_SYSTEM = "http://hl7.org/fhir/restful-interaction";
/** Code system of HL7 v3 RoleCode (the agent type of an emergency delegate, `DELEGATEE`). */
export const ROLE_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";

const OBJECT_ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/object-role";
const ENTITY_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
const SOURCE_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/security-source-type";

const dicom = (code: string, display: string): Coding => ({ system: DICOM_SYSTEM, code, display });
const rest = (code: string): Coding => ({ system: RESTFUL_INTERACTION_SYSTEM, code, display: code });
const REST_TYPE: Coding = { system: AUDIT_EVENT_TYPE_SYSTEM, code: "rest", display: "RESTful Operation" };
const SECURITY_ALERT = dicom("110113", "Security Alert");
const PATIENT_RECORD = dicom("110110", "Patient Record");

/** Type, subtype and action of each kind. */
const MAPPING: Readonly<Record<AuditEventKind, { type: Coding; subtype: Coding; action: "C" | "R" | "U" | "D" | "E" }>> = {
  disclosure: { type: dicom("110106", "Export"), subtype: rest("read"), action: "R" },
  grant: { type: REST_TYPE, subtype: rest("create"), action: "C" },
  revocation: { type: REST_TYPE, subtype: rest("delete"), action: "D" },
  "emergency-access": { type: SECURITY_ALERT, subtype: dicom("110127", "Emergency Override Started"), action: "E" },
  "emergency-access-ended": { type: SECURITY_ALERT, subtype: dicom("110138", "Emergency Override Stopped"), action: "E" },
  "emergency-delegate": { type: SECURITY_ALERT, subtype: dicom("110136", "Security Roles Changed"), action: "U" },
  "record-created": { type: PATIENT_RECORD, subtype: rest("create"), action: "C" },
  "record-updated": { type: PATIENT_RECORD, subtype: rest("update"), action: "U" },
  "record-erased": { type: PATIENT_RECORD, subtype: rest("delete"), action: "D" },
};

const AUTHOR: Coding = { system: PARTICIPATION_TYPE_SYSTEM, code: "AUT", display: "author (originator)" };
const RECIPIENT: Coding = { system: PARTICIPATION_TYPE_SYSTEM, code: "IRCP", display: "information recipient" };
const DELEGATEE: Coding = { system: ROLE_CODE_SYSTEM, code: "DELEGATEE", display: "delegatee" };
const SOURCE_ROLE = dicom("110153", "Source Role ID");
const DESTINATION_ROLE = dicom("110152", "Destination Role ID");

/**
 * One FHIR R4 AuditEvent per entry of `accounting`, in the same order (see the module documentation for the
 * mapping). Each AuditEvent's `id` is derived from the chain id, transaction hash and log index, so the same
 * event always gives the same id.
 * @param accounting From `accountingOfDisclosures`.
 */
export function toFhirAuditEvents(accounting: AccountingOfDisclosures): AuditEvent[] {
  return accounting.entries.map((entry) => toFhirAuditEvent(accounting, entry));
}

/**
 * The AuditEvent of one entry.
 * @param accounting The accounting the entry belongs to (chain id and contracts).
 * @param entry The entry.
 */
export function toFhirAuditEvent(
  accounting: Pick<AccountingOfDisclosures, "chainId" | "contracts">,
  entry: AuditEntry,
): AuditEvent {
  const { chainId } = accounting;
  const mapping = MAPPING[entry.kind];
  const event: AuditEvent = {
    resourceType: "AuditEvent",
    id: auditEventId(chainId, entry),
    type: mapping.type,
    subtype: [mapping.subtype],
    action: mapping.action,
    recorded: entry.timestamp,
    outcome: "0",
    agent: agents(chainId, entry),
    source: {
      site: `eip155:${chainId}`,
      observer: {
        identifier: { system: URI_SYSTEM, value: didPkh(chainId, entry.contract) },
        display: `medrec ${contractName(accounting, entry.contract)}`,
      },
      type: [{ system: SOURCE_TYPE_SYSTEM, code: "4", display: "Application Server" }],
    },
    entity: [recordEntity(accounting, entry), patientEntity(chainId, entry.patient)],
  };
  const purpose = purposeOfEvent(entry.purpose);
  if (purpose !== undefined) event.purposeOfEvent = [{ coding: [purpose] }];
  return event;
}

/** A FHIR id (64 hex characters) unique to the event: keccak256 of `<chainId>:<transactionHash>:<logIndex>`. */
function auditEventId(chainId: string, entry: AuditEntry): string {
  return keccakUtf8(`${chainId}:${entry.transactionHash.toLowerCase()}:${entry.logIndex}`).slice(2);
}

/** The actor and, when there is one, the recipient. */
function agents(chainId: string, entry: AuditEntry): AuditEventAgent[] {
  const agent = (account: string, type: Coding, requestor: boolean): AuditEventAgent => ({
    type: { coding: [type] },
    who: { identifier: { system: URI_SYSTEM, value: didPkh(chainId, account) } },
    requestor,
  });
  if (entry.kind === "disclosure" && entry.recipient !== null) {
    // The resolver releases the key (source); the grantee asked for it (destination, requestor).
    return [agent(entry.actor, SOURCE_ROLE, false), agent(entry.recipient, DESTINATION_ROLE, true)];
  }
  const list = [agent(entry.actor, AUTHOR, true)];
  if (entry.recipient !== null) {
    list.push(agent(entry.recipient, entry.kind === "emergency-delegate" ? DELEGATEE : RECIPIENT, false));
  }
  return list;
}

/** The record token entity, with the chain coordinates and the event's ids as details. */
function recordEntity(accounting: Pick<AccountingOfDisclosures, "chainId" | "contracts">, entry: AuditEntry): AuditEventEntity {
  const detail: AuditEventEntityDetail[] = [];
  const add = (type: string, value: string | null) => {
    if (value !== null) detail.push({ type, valueString: value });
  };
  add("eventKind", entry.kind);
  add("chainId", accounting.chainId);
  add("transactionHash", entry.transactionHash);
  add("blockNumber", String(entry.blockNumber));
  add("logIndex", String(entry.logIndex));
  add("scopes", entry.scopes === null ? null : entry.scopes.join(" "));
  add("expiresAt", entry.expiresAt);
  add("emergency", String(entry.emergency));
  add("consentId", entry.consentId);
  add("metadataId", entry.metadataId);
  add("reasonHash", entry.reasonHash);
  if (entry.purpose !== null && purposeOfEvent(entry.purpose) === undefined) add("purpose", entry.purpose);
  return {
    what: {
      identifier: {
        system: RECORD_TOKEN_SYSTEM,
        value: recordTokenIdentifier(accounting.chainId, accounting.contracts.RecordToken, entry.tokenId),
      },
    },
    type: { system: ENTITY_TYPE_SYSTEM, code: "2", display: "System Object" },
    role: { system: OBJECT_ROLE_SYSTEM, code: "4", display: "Domain Resource" },
    detail,
  };
}

/** The patient entity. */
function patientEntity(chainId: string, patient: string): AuditEventEntity {
  return {
    what: { identifier: { system: URI_SYSTEM, value: didPkh(chainId, patient) } },
    type: { system: ENTITY_TYPE_SYSTEM, code: "1", display: "Person" },
    role: { system: OBJECT_ROLE_SYSTEM, code: "1", display: "Patient" },
  };
}

/** The ActReason coding of a purpose code; `undefined` for no purpose or a purpose given as hex. */
function purposeOfEvent(purpose: string | null): Coding | undefined {
  if (purpose === null || purpose.startsWith("0x")) return undefined;
  const display = PURPOSE_DISPLAY[purpose];
  return display === undefined ? { system: ACT_REASON_SYSTEM, code: purpose } : { system: ACT_REASON_SYSTEM, code: purpose, display };
}

/** `ConsentManager` or `RecordToken` when `address` is one of the accounting's contracts, else `contract`. */
function contractName(accounting: Pick<AccountingOfDisclosures, "contracts">, address: string): string {
  const target = getAddress(address);
  if (target === getAddress(accounting.contracts.ConsentManager)) return "ConsentManager";
  if (target === getAddress(accounting.contracts.RecordToken)) return "RecordToken";
  return "contract";
}
