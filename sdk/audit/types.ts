/**
 * The shapes of an accounting of disclosures: one {@link AuditEntry} per on-chain event that concerns the
 * patient, gathered in an {@link AccountingOfDisclosures}. Every value is a string, number, boolean or null so
 * that an accounting is plain JSON and holds no health data: only addresses, codes, hashes, ids and times.
 *
 * @module
 */

/** What happened, one kind per medrec event that concerns a patient. */
export type AuditEventKind =
  /** `ConsentManager.AccessGranted`: the patient granted access. */
  | "grant"
  /** `ConsentManager.AccessRevoked`: the patient revoked a grant. */
  | "revocation"
  /** `ConsentManager.EmergencyAccessGranted`: the break-glass authority opened emergency access. */
  | "emergency-access"
  /** `ConsentManager.EmergencyAccessEnded`: an emergency access was closed before it expired. */
  | "emergency-access-ended"
  /**
   * `ConsentManager.EmergencyDelegateSet`: the patient named an emergency delegate (e.g. a Safe of its
   * guardians), which may then open and end emergency access on that patient's records, or cleared it.
   */
  | "emergency-delegate"
  /** `ConsentManager.Disclosure`: the resolver released a record key to a grantee. */
  | "disclosure"
  /** `RecordToken.RecordMinted`: a record was created for the patient. */
  | "record-created"
  /** `RecordToken.DataUpdated`: a record was pointed at a new ciphertext. */
  | "record-updated"
  /** `RecordToken.RecordBurned`: a record was erased. */
  | "record-erased";

/** Every {@link AuditEventKind}, in a fixed order. */
export const AUDIT_EVENT_KINDS: readonly AuditEventKind[] = [
  "grant",
  "revocation",
  "emergency-access",
  "emergency-access-ended",
  "emergency-delegate",
  "disclosure",
  "record-created",
  "record-updated",
  "record-erased",
];

/** One event of the accounting. Fields an event does not carry are `null`. */
export interface AuditEntry {
  /** What happened. */
  kind: AuditEventKind;
  /** Time of the block that holds the event, ISO 8601 UTC (e.g. `2025-01-31T12:00:00.000Z`). */
  timestamp: string;
  /** Number of the block that holds the event. */
  blockNumber: number;
  /** Hash of the transaction that emitted the event. */
  transactionHash: string;
  /** Index of the event's log in its block. */
  logIndex: number;
  /** The contract that emitted the event (ConsentManager or RecordToken), checksummed. */
  contract: string;
  /**
   * The record token id in decimal, or `"all"` for a patient-wide grant and for an emergency delegate
   * (`ALL_RECORDS` = 2²⁵⁶−1).
   */
  tokenId: string;
  /** The patient the event concerns, checksummed. */
  patient: string;
  /**
   * Who received (or lost) access or a record key: the grantee; for `emergency-delegate`, the delegate named
   * (`null` when the patient cleared its delegate: the event does not say who the previous one was). `null`
   * for record events.
   */
  recipient: string | null;
  /**
   * Who did it: the patient for grants, revocations, emergency delegates and erasures, the resolver for
   * disclosures, the approving Safe for emergency access, whoever ended it for its end, the issuer for records.
   */
  actor: string;
  /**
   * The HL7 v3 PurposeOfUse code (e.g. `"TREAT"`); `"ETREAT"` for emergency access and for naming an
   * emergency delegate (the only purpose its authority serves). A stored purpose that is not an alphanumeric
   * code is given as its 32-byte hex. `null` for record events and for clearing an emergency delegate (no
   * authority is conveyed).
   */
  purpose: string | null;
  /** Names of the scopes granted (`"READ"`, `"APPEND"`, `"ANNOTATE"`); `null` where the event grants none. */
  scopes: string[] | null;
  /**
   * When the grant expires, ISO 8601 UTC; an expiry after the year 9999 is given as decimal Unix seconds.
   * `null` where the event has no expiry.
   */
  expiresAt: string | null;
  /**
   * Whether the event belongs to break-glass emergency access: an emergency grant, its end, a disclosure under
   * it. `false` for `emergency-delegate`: naming or clearing a delegate opens no access by itself (the emergency
   * access its delegate opens later is an `emergency-access` entry).
   */
  emergency: boolean;
  /** The EIP-712 digest of the consent (grants only). */
  consentId: string | null;
  /** The id of the consent's off-chain metadata (grants only). */
  metadataId: string | null;
  /** The hash of the break-glass reason (emergency access only). */
  reasonHash: string | null;
}

/** The columns of an {@link AuditEntry}, in the order JSON and CSV output use. */
export const AUDIT_ENTRY_FIELDS = [
  "kind",
  "timestamp",
  "blockNumber",
  "transactionHash",
  "logIndex",
  "contract",
  "tokenId",
  "patient",
  "recipient",
  "actor",
  "purpose",
  "scopes",
  "expiresAt",
  "emergency",
  "consentId",
  "metadataId",
  "reasonHash",
] as const satisfies readonly (keyof AuditEntry)[];

/** The accounting of disclosures of one patient over one period, built from on-chain events alone. */
export interface AccountingOfDisclosures {
  /** The patient, checksummed. */
  patient: string;
  /** The chain id, decimal. */
  chainId: string;
  /** The contracts whose events were read, checksummed. */
  contracts: { ConsentManager: string; RecordToken: string };
  /** The period covered, both ends inclusive, ISO 8601 UTC. */
  period: { from: string; to: string };
  /** The block range that was read, both ends inclusive. */
  blocks: { from: number; to: number };
  /** When the accounting was generated, ISO 8601 UTC. */
  generatedAt: string;
  /** The events concerning the patient within the period, in chain order (block, then log index). */
  entries: AuditEntry[];
}
