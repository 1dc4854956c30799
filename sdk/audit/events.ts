/**
 * Decoding of the medrec events that make up an accounting of disclosures: the ConsentManager and
 * RecordToken ABIs, the topics to filter on, and one {@link DecodedAuditLog} per log.
 *
 * @module
 */
import { ZeroAddress, decodeBytes32String, getAddress, hexlify, type Log, type LogDescription } from "ethers";
// The factories one by one: the index of the contract types loads every factory (start-up time).
import { ConsentManager__factory } from "../chain/contracts/factories/contracts/ConsentManager__factory";
import { RecordToken__factory } from "../chain/contracts/factories/contracts/RecordToken__factory";
import { ALL_RECORDS, EMERGENCY_PURPOSE, Scope, formatTokenId, scopeNames } from "../vocabulary";
import type { AuditEntry, AuditEventKind } from "./types";

/** The ConsentManager ABI interface. */
export const CONSENT_MANAGER_INTERFACE = ConsentManager__factory.createInterface();
/** The RecordToken ABI interface. */
export const RECORD_TOKEN_INTERFACE = RecordToken__factory.createInterface();

/** Topic 0 of each event the accounting reads. */
export const AUDIT_TOPICS = {
  AccessGranted: CONSENT_MANAGER_INTERFACE.getEvent("AccessGranted").topicHash,
  AccessRevoked: CONSENT_MANAGER_INTERFACE.getEvent("AccessRevoked").topicHash,
  EmergencyAccessGranted: CONSENT_MANAGER_INTERFACE.getEvent("EmergencyAccessGranted").topicHash,
  EmergencyAccessEnded: CONSENT_MANAGER_INTERFACE.getEvent("EmergencyAccessEnded").topicHash,
  EmergencyDelegateSet: CONSENT_MANAGER_INTERFACE.getEvent("EmergencyDelegateSet").topicHash,
  Disclosure: CONSENT_MANAGER_INTERFACE.getEvent("Disclosure").topicHash,
  RecordMinted: RECORD_TOKEN_INTERFACE.getEvent("RecordMinted").topicHash,
  DataUpdated: RECORD_TOKEN_INTERFACE.getEvent("DataUpdated").topicHash,
  RecordBurned: RECORD_TOKEN_INTERFACE.getEvent("RecordBurned").topicHash,
} as const;

/** Name of an event the accounting reads. */
export type AuditEventName = keyof typeof AUDIT_TOPICS;

/** The kind of entry each event becomes. */
export const EVENT_KINDS: Readonly<Record<AuditEventName, AuditEventKind>> = {
  AccessGranted: "grant",
  AccessRevoked: "revocation",
  EmergencyAccessGranted: "emergency-access",
  EmergencyAccessEnded: "emergency-access-ended",
  EmergencyDelegateSet: "emergency-delegate",
  Disclosure: "disclosure",
  RecordMinted: "record-created",
  DataUpdated: "record-updated",
  RecordBurned: "record-erased",
};

/** The contract that emits each event. */
const EMITTER: Readonly<Record<AuditEventName, "ConsentManager" | "RecordToken">> = {
  AccessGranted: "ConsentManager",
  AccessRevoked: "ConsentManager",
  EmergencyAccessGranted: "ConsentManager",
  EmergencyAccessEnded: "ConsentManager",
  EmergencyDelegateSet: "ConsentManager",
  Disclosure: "ConsentManager",
  RecordMinted: "RecordToken",
  DataUpdated: "RecordToken",
  RecordBurned: "RecordToken",
};

const NAME_BY_TOPIC = new Map<string, AuditEventName>(
  (Object.keys(AUDIT_TOPICS) as AuditEventName[]).map((name) => [AUDIT_TOPICS[name], name]),
);

/** The contract addresses whose events are decoded. */
export interface AuditContracts {
  ConsentManager: string;
  RecordToken: string;
}

/** One decoded log: an {@link AuditEntry} still without its block time and, for `DataUpdated`, its patient. */
export type DecodedAuditLog = Omit<AuditEntry, "timestamp" | "patient"> & {
  /** The event's patient; `null` for `DataUpdated`, which does not carry it. */
  patient: string | null;
  /** The token id as emitted; `ALL_RECORDS` for `EmergencyDelegateSet`, which concerns every record. */
  token: bigint;
  /** The event's name. */
  event: AuditEventName;
  /**
   * For a `Disclosure`: the EIP-712 digest of the access request the resolver answered (one event per release, so
   * a reader's release receipt names its event); `null` for every other event.
   */
  requestHash: string | null;
};

/**
 * Decodes one log of ConsentManager or RecordToken into an accounting entry.
 * @param log A log as `getLogs` returns it.
 * @param contracts Where the events come from.
 * @returns The decoded entry, or `null` when the log is not one of the accounting's events or was not emitted
 *   by the contract that emits that event.
 */
export function decodeAuditLog(log: Log, contracts: AuditContracts): DecodedAuditLog | null {
  const event = NAME_BY_TOPIC.get(log.topics[0] ?? "");
  if (event === undefined) return null;
  const contract = getAddress(log.address);
  if (contract !== getAddress(contracts[EMITTER[event]])) return null;
  const iface = EMITTER[event] === "ConsentManager" ? CONSENT_MANAGER_INTERFACE : RECORD_TOKEN_INTERFACE;
  const parsed: LogDescription | null = iface.parseLog({ topics: [...log.topics], data: log.data });
  if (parsed === null) return null;
  const args = parsed.args;
  // EmergencyDelegateSet carries no token id: the delegate's authority covers every record of the patient.
  const token = event === "EmergencyDelegateSet" ? ALL_RECORDS : (args.tokenId as bigint);

  const base = {
    kind: EVENT_KINDS[event],
    blockNumber: log.blockNumber,
    transactionHash: log.transactionHash,
    logIndex: log.index,
    contract,
    event,
    token,
    tokenId: formatTokenId(token),
    recipient: null as string | null,
    purpose: null as string | null,
    scopes: null as string[] | null,
    expiresAt: null as string | null,
    emergency: false,
    consentId: null as string | null,
    metadataId: null as string | null,
    reasonHash: null as string | null,
    requestHash: null as string | null,
  };

  switch (event) {
    case "AccessGranted":
      return {
        ...base,
        patient: address(args.patient),
        recipient: address(args.grantee),
        actor: address(args.patient),
        purpose: decodePurpose(args.purpose as string),
        scopes: scopeNames(Number(args.scopes)),
        expiresAt: formatExpiry(args.expiresAt as bigint),
        consentId: hexlify(args.consentId as string),
        metadataId: hexlify(args.metadataId as string),
      };
    case "AccessRevoked":
      return {
        ...base,
        patient: address(args.patient),
        recipient: address(args.grantee),
        actor: address(args.patient),
        purpose: decodePurpose(args.purpose as string),
      };
    case "EmergencyAccessGranted":
      return {
        ...base,
        patient: address(args.patient),
        recipient: address(args.grantee),
        actor: address(args.approvedBy),
        purpose: EMERGENCY_PURPOSE,
        scopes: scopeNames(Scope.READ),
        expiresAt: formatExpiry(args.expiresAt as bigint),
        emergency: true,
        reasonHash: hexlify(args.reasonHash as string),
      };
    case "EmergencyAccessEnded":
      return {
        ...base,
        patient: address(args.patient),
        recipient: address(args.grantee),
        actor: address(args.endedBy),
        purpose: EMERGENCY_PURPOSE,
        emergency: true,
      };
    case "EmergencyDelegateSet": {
      // Naming a delegate conveys an emergency-only authority (purpose ETREAT) but opens no access by itself
      // (emergency false). Clearing it conveys nothing: no recipient, no purpose.
      const delegate = address(args.delegate);
      const cleared = delegate === ZeroAddress;
      return {
        ...base,
        patient: address(args.patient),
        recipient: cleared ? null : delegate,
        actor: address(args.patient),
        purpose: cleared ? null : EMERGENCY_PURPOSE,
      };
    }
    case "Disclosure":
      return {
        ...base,
        patient: address(args.patient),
        recipient: address(args.grantee),
        actor: address(args.resolver),
        purpose: decodePurpose(args.purpose as string),
        emergency: Boolean(args.emergency),
        requestHash: hexlify(args.requestHash as string),
      };
    case "RecordMinted":
      return { ...base, patient: address(args.patient), actor: address(args.issuer) };
    case "DataUpdated":
      return { ...base, patient: null, actor: address(args.issuer) };
    case "RecordBurned":
      return { ...base, patient: address(args.patient), actor: address(args.patient) };
  }
}

/**
 * The text of a purpose-of-use code stored left-aligned in a bytes32 (e.g. `"TREAT"`). A value that is not
 * an alphanumeric code (letters, digits, then also `_`, `-`, `.`) is returned as its 32-byte hex, so that no
 * free text from the chain reaches a report.
 * @param purpose The bytes32, hex.
 */
export function decodePurpose(purpose: string): string {
  const hex = hexlify(purpose).toLowerCase();
  let text: string;
  try {
    text = decodeBytes32String(hex);
  } catch {
    return hex;
  }
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(text) ? text : hex;
}

/** Latest Unix second shown as an ISO date (9999-12-31T23:59:59Z). */
const MAX_ISO_SECONDS = 253_402_300_799n;

/**
 * An expiry (Unix seconds, uint64) as ISO 8601 UTC; after the year 9999 as decimal Unix seconds.
 * @param seconds The expiry as emitted.
 */
export function formatExpiry(seconds: bigint): string {
  return seconds <= MAX_ISO_SECONDS ? new Date(Number(seconds) * 1000).toISOString() : seconds.toString(10);
}

const address = (value: unknown): string => getAddress(value as string);
