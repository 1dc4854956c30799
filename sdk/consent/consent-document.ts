/**
 * The consent document: what a {@link ConsentStore} keeps off-chain next to an on-chain consent.
 *
 * A {@link ConsentDocument} is a FHIR R4 `Consent` resource (built by {@link consentResource}, validated with
 * `sdk/fhir`'s `validateFhir(…, "Consent")`), the human-readable purpose the patient agreed to, the document's
 * status, and — once the consent is signed — the consent id (the EIP-712 digest `ConsentManager.grant` returns and
 * emits). The on-chain `Consent.metadataId` points back at the document (see `metadataIdOf` in consent-store.ts).
 *
 * Lifecycle. The metadata id is derived from the document's id, and the consent id is the EIP-712 digest over a
 * consent that contains the metadata id, so the consent id cannot be part of the first version of the document:
 *   1. create the document with status `proposed` → document id → `metadataId`;
 *   2. sign the EIP-712 consent with that `metadataId`, `grant` it on-chain;
 *   3. update the document: `{ status: "active", consentId }`;
 *   4. on revocation, update it to `{ status: "inactive" }`.
 * The FHIR resource's `status` always equals the document's `status`, and a document with a `consentId` carries
 * it as a resource identifier ({@link CONSENT_ID_SYSTEM}); the store keeps both in step on update.
 *
 * FHIR mapping (R4 `Consent`):
 * - `scope` patient-privacy, `category` LOINC 59284-0 "Patient Consent", `policyRule` v3-ActCode OPTIN;
 * - `patient` and `performer`: the patient's did:pkh (`PatientRegistry.didOf`) as an RFC 3986 identifier;
 * - `provision.type` permit; `provision.period` the consent's validity (end = on-chain `expiresAt`);
 * - `provision.actor`: the grantee's did:pkh, role v3-ParticipationType IRCP (information recipient);
 * - `provision.action`: one per scope bit, coded twice — `urn:medrec:scope` READ | APPEND | ANNOTATE (exact) and
 *   the nearest FHIR consentaction code (READ → access, APPEND and ANNOTATE → correct);
 * - `provision.purpose`: the HL7 v3 ActReason purpose-of-use code (TREAT, HPAYMT, HOPERAT, HRESCH, ETREAT);
 * - `provision.data`: the record token (`urn:medrec:record-token`, `<chainId>/<RecordToken>/<tokenId>`), absent for
 *   `ALL_RECORDS` (a provision without data covers all the patient's data).
 *
 * @module
 */
import type { CodeableConcept, Coding, Consent as FhirConsent, ConsentProvision, Identifier } from "@medplum/fhirtypes";
import { decodeBytes32String, isHexString } from "ethers";
import { MedrecError } from "../errors";
import { FhirValidationError, validateFhir, type FhirIssue } from "../fhir/core";
import {
  ACT_REASON_SYSTEM,
  ALL_RECORDS,
  ALL_SCOPES,
  PARTICIPATION_TYPE_SYSTEM,
  PURPOSE_DISPLAY,
  RECORD_TOKEN_SYSTEM,
  SCOPE_NAMES,
  Scope,
  URI_SYSTEM,
  recordTokenIdentifier,
  type ScopeName,
} from "../vocabulary";

/** Status of a consent document: FHIR R4 `Consent.status`. */
export type ConsentStatus = FhirConsent["status"];

/** The FHIR R4 `Consent.status` codes. */
export const CONSENT_STATUSES: readonly ConsentStatus[] = ["draft", "proposed", "active", "rejected", "inactive", "entered-in-error"];

/** A consent document, independent of where it is stored. */
export interface ConsentDocument {
  /**
   * The did:pkh that controls (writes) the document: `did:pkh:eip155:<chainId>:<lowercase address>` of the key that
   * signs for the patient. For an EOA patient it is the patient's own did:pkh; for a smart-account patient it is the
   * did:pkh of the account's owner key (Ceramic verifies plain secp256k1 signatures, not ERC-1271), while the FHIR
   * resource names the account itself as the patient.
   */
  controller: string;
  /** The FHIR R4 Consent resource ({@link consentResource}). */
  resource: FhirConsent;
  /** The purpose in the patient's words, as shown to them when they signed (1–4000 characters). */
  purposeText: string;
  /** Equal to `resource.status`. */
  status: ConsentStatus;
  /** The EIP-712 digest of the signed consent (0x + 64 lowercase hex), once there is one. */
  consentId?: string;
}

/** Fields of a document an update may change. `status` and `consentId` are mirrored into the resource. */
export interface ConsentDocumentPatch {
  status?: ConsentStatus;
  consentId?: string;
  purposeText?: string;
  resource?: FhirConsent;
}

/** A consent document that was refused before anything was written: not valid FHIR, or inconsistent fields. */
export class ConsentDocumentInvalidError extends MedrecError {
  declare readonly code: "CONSENT_DOCUMENT_INVALID";
  /** What is wrong and where (FHIR paths for the resource, field names otherwise); never values. */
  readonly issues: readonly FhirIssue[];

  /** @param issues What is wrong; must not carry values. */
  constructor(issues: readonly FhirIssue[], options?: ErrorOptions) {
    const shown = issues.slice(0, 5).map((issue) => `${issue.path}: ${issue.message}`).join("; ");
    super("CONSENT_DOCUMENT_INVALID", "invalid-input", `invalid consent document: ${shown}${issues.length > 5 ? "; …" : ""}`, options);
    this.issues = Object.freeze([...issues]);
  }
}

/** Identifier system of the EIP-712 consent id in `Consent.identifier`. */
export const CONSENT_ID_SYSTEM = "urn:medrec:consent-id";
/** Code system of medrec's scope bits in `Consent.provision.action`. */
export const SCOPE_SYSTEM = "urn:medrec:scope";
/** FHIR consent scope, category, policy rule and action code systems. */
export const CONSENT_SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope";
export const LOINC_SYSTEM = "http://loinc.org";
export const ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
export const CONSENT_ACTION_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentaction";

/** The FHIR display and nearest consentaction code of each scope. */
const SCOPE_ACTIONS: Readonly<Record<ScopeName, { display: string; action: string }>> = {
  READ: { display: "read the records", action: "access" },
  APPEND: { display: "add records", action: "correct" },
  ANNOTATE: { display: "annotate the records", action: "correct" },
};

/** `did:pkh:eip155:<chainId>:<lowercase address>`, as `PatientRegistry.didOf` and did-session produce it. */
const DID_PKH = /^did:pkh:eip155:(\d{1,20}):(0x[0-9a-f]{40})$/;
const CONSENT_ID = /^0x[0-9a-f]{64}$/;
/** A purpose code as `ConsentManager` accepts it (≤ 22 bytes) and as a FHIR `code` (no spaces). */
const PURPOSE_CODE = /^[\x21-\x7e]{1,22}$/;
const PURPOSE_TEXT_MAX = 4000;

/** Input of {@link consentResource}. */
export interface ConsentResourceParams {
  /** The patient's did:pkh (`PatientRegistry.didOf(patient)`): the account named `patient` in the on-chain consent. */
  patient: string;
  /** The grantee's did:pkh on the same chain. */
  grantee: string;
  /** Scope bit set (`Scope.READ | …`), as in the on-chain consent. */
  scopes: number;
  /** HL7 purpose-of-use code (`"TREAT"`), or the bytes32 form of `Purpose`. */
  purpose: string;
  /** Validity; `end` is the on-chain `expiresAt`. Dates, or unix seconds as bigint. */
  period: { start?: Date | bigint; end: Date | bigint };
  /** The record token, or `ALL_RECORDS`. */
  tokenId: bigint;
  /** The RecordToken address; required unless `tokenId` is `ALL_RECORDS`. */
  recordToken?: string;
  /** Default `proposed` (see the module's lifecycle). */
  status?: ConsentStatus;
  /** The EIP-712 consent id, once known. */
  consentId?: string;
  /** When the consent was given; default now. */
  dateTime?: Date;
}

const invalid = (path: string, message: string): ConsentDocumentInvalidError =>
  new ConsentDocumentInvalidError([{ path, message, code: "invalid" }]);

const toDate = (value: Date | bigint): Date => (value instanceof Date ? value : new Date(Number(value) * 1000));

/** `"TREAT"` from `"TREAT"` or from its bytes32 form. */
function purposeCode(purpose: string): string {
  let code = purpose;
  if (isHexString(purpose, 32)) {
    try {
      code = decodeBytes32String(purpose);
    } catch {
      throw invalid("purpose", "not a bytes32 string");
    }
  }
  if (!PURPOSE_CODE.test(code)) throw invalid("purpose", "purpose code must be 1-22 printable ASCII characters");
  return code;
}

const didIdentifier = (did: string): Identifier => ({ system: URI_SYSTEM, value: did });

/** The HL7 v3 ActReason coding of a purpose code, with its display when medrec knows it. */
function purposeCoding(code: string): Coding {
  const display = PURPOSE_DISPLAY[code];
  return display === undefined ? { system: ACT_REASON_SYSTEM, code } : { system: ACT_REASON_SYSTEM, code, display };
}

/**
 * Builds the FHIR R4 Consent resource of a consent (mapping in the module documentation). The result passes
 * `validateFhir(…, "Consent")`; `validateConsentDocument` checks it again before any write.
 * @throws ConsentDocumentInvalidError when a parameter is malformed (DIDs, scopes, purpose, period, token).
 */
export function consentResource(params: ConsentResourceParams): FhirConsent {
  const patient = DID_PKH.exec(params.patient);
  if (!patient) throw invalid("patient", "must be a did:pkh:eip155 DID with a lowercase address");
  const grantee = DID_PKH.exec(params.grantee);
  if (!grantee) throw invalid("grantee", "must be a did:pkh:eip155 DID with a lowercase address");
  if (grantee[1] !== patient[1]) throw invalid("grantee", "must be on the patient's chain");
  if (!Number.isInteger(params.scopes) || params.scopes <= 0 || (params.scopes & ~ALL_SCOPES) !== 0) {
    throw invalid("scopes", "must be a non-empty set of READ, APPEND, ANNOTATE");
  }
  const code = purposeCode(params.purpose);
  const end = toDate(params.period.end);
  const start = params.period.start === undefined ? undefined : toDate(params.period.start);
  if (Number.isNaN(end.getTime()) || (start !== undefined && (Number.isNaN(start.getTime()) || start >= end))) {
    throw invalid("period", "end must be a valid time after start");
  }
  if (params.tokenId < 0n || params.tokenId > ALL_RECORDS) throw invalid("tokenId", "out of uint256 range");
  if (params.consentId !== undefined && !CONSENT_ID.test(params.consentId)) {
    throw invalid("consentId", "must be 0x and 64 lowercase hex digits");
  }
  const status = params.status ?? "proposed";
  if (!CONSENT_STATUSES.includes(status)) throw invalid("status", "not a FHIR Consent status");

  const provision: ConsentProvision = {
    type: "permit",
    period: start === undefined ? { end: end.toISOString() } : { start: start.toISOString(), end: end.toISOString() },
    actor: [
      {
        role: { coding: [{ system: PARTICIPATION_TYPE_SYSTEM, code: "IRCP", display: "information recipient" }] },
        reference: { identifier: didIdentifier(params.grantee) },
      },
    ],
    action: SCOPE_NAMES.filter((name) => (params.scopes & Scope[name]) !== 0).map(
      (name): CodeableConcept => ({
        coding: [
          { system: SCOPE_SYSTEM, code: name, display: SCOPE_ACTIONS[name].display },
          { system: CONSENT_ACTION_SYSTEM, code: SCOPE_ACTIONS[name].action },
        ],
      }),
    ),
    purpose: [purposeCoding(code)],
  };
  if (params.tokenId !== ALL_RECORDS) {
    if (params.recordToken === undefined) throw invalid("recordToken", "required for a consent on one record token");
    let value: string;
    try {
      value = recordTokenIdentifier(patient[1], params.recordToken, params.tokenId.toString(10));
    } catch {
      throw invalid("recordToken", "not an address");
    }
    provision.data = [{ meaning: "instance", reference: { identifier: { system: RECORD_TOKEN_SYSTEM, value } } }];
  }

  return {
    resourceType: "Consent",
    ...(params.consentId === undefined ? {} : { identifier: [{ system: CONSENT_ID_SYSTEM, value: params.consentId }] }),
    status,
    scope: { coding: [{ system: CONSENT_SCOPE_SYSTEM, code: "patient-privacy", display: "Privacy Consent" }] },
    category: [{ coding: [{ system: LOINC_SYSTEM, code: "59284-0", display: "Patient Consent" }] }],
    patient: { identifier: didIdentifier(params.patient) },
    dateTime: (params.dateTime ?? new Date()).toISOString(),
    performer: [{ identifier: didIdentifier(params.patient) }],
    policyRule: { coding: [{ system: ACT_CODE_SYSTEM, code: "OPTIN", display: "opt-in" }] },
    provision,
  };
}

/** `resource` with `consentId` as its {@link CONSENT_ID_SYSTEM} identifier (replacing an earlier one). */
export function withConsentId(resource: FhirConsent, consentId: string): FhirConsent {
  const others = (resource.identifier ?? []).filter((identifier) => identifier.system !== CONSENT_ID_SYSTEM);
  return { ...resource, identifier: [...others, { system: CONSENT_ID_SYSTEM, value: consentId }] };
}

/**
 * Checks a consent document before it is written (and after it is read): the resource is a valid FHIR R4 Consent
 * (`validateFhir`), names a did:pkh patient, and agrees with `status` and `consentId`; `controller` is a did:pkh;
 * `purposeText` is 1–4000 characters.
 * @returns The document, unchanged.
 * @throws ConsentDocumentInvalidError naming every problem (FHIR issues keep their element paths, prefixed `resource.`).
 */
export function validateConsentDocument(document: ConsentDocument): ConsentDocument {
  if (document === null || typeof document !== "object") throw invalid("$", "not an object");
  try {
    validateFhir(document.resource, "Consent");
  } catch (error) {
    if (!(error instanceof FhirValidationError)) throw error;
    throw new ConsentDocumentInvalidError(
      error.issues.map((issue) => ({ ...issue, path: `resource.${issue.path}` })),
      { cause: error },
    );
  }
  const issues: FhirIssue[] = [];
  const problem = (path: string, message: string) => issues.push({ path, message, code: "invalid" });
  if (typeof document.controller !== "string" || !DID_PKH.test(document.controller)) {
    problem("controller", "must be a did:pkh:eip155 DID with a lowercase address");
  }
  const patient = document.resource.patient?.identifier;
  if (patient?.system !== URI_SYSTEM || typeof patient.value !== "string" || !DID_PKH.test(patient.value)) {
    problem("resource.patient.identifier", "must be the patient's did:pkh (urn:ietf:rfc:3986)");
  }
  if (typeof document.purposeText !== "string" || document.purposeText.trim().length === 0 || document.purposeText.length > PURPOSE_TEXT_MAX) {
    problem("purposeText", `must be 1-${PURPOSE_TEXT_MAX} characters`);
  }
  if (document.status !== document.resource.status) problem("status", "differs from resource.status");
  const identified = (document.resource.identifier ?? []).filter((identifier) => identifier.system === CONSENT_ID_SYSTEM);
  if (document.consentId !== undefined) {
    if (typeof document.consentId !== "string" || !CONSENT_ID.test(document.consentId)) {
      problem("consentId", "must be 0x and 64 lowercase hex digits");
    } else if (identified.length !== 1 || identified[0].value !== document.consentId) {
      problem("resource.identifier", `must hold the consentId once under ${CONSENT_ID_SYSTEM}`);
    }
  } else if (identified.length > 0) {
    problem("consentId", `missing, but the resource has a ${CONSENT_ID_SYSTEM} identifier`);
  }
  if (issues.length > 0) throw new ConsentDocumentInvalidError(issues);
  return document;
}

/**
 * The document after `patch`: `status` and `consentId` are mirrored into the resource.
 * Does not validate; pass the result to {@link validateConsentDocument}.
 */
export function applyConsentPatch(document: ConsentDocument, patch: ConsentDocumentPatch): ConsentDocument {
  let resource = patch.resource ?? document.resource;
  const status = patch.status ?? (patch.resource ? patch.resource.status : document.status);
  const consentId = patch.consentId ?? document.consentId;
  if (resource.status !== status) resource = { ...resource, status };
  if (consentId !== undefined && typeof consentId === "string" && CONSENT_ID.test(consentId)) {
    resource = withConsentId(resource, consentId);
  }
  return {
    controller: document.controller,
    resource,
    purposeText: patch.purposeText ?? document.purposeText,
    status,
    ...(consentId === undefined ? {} : { consentId }),
  };
}
