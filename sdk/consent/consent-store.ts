/**
 * `ConsentStore`: where consent documents (FHIR Consent + human-readable purpose, see consent-document.ts) live,
 * independent of the backend.
 *
 * A document is controlled by the patient's did:pkh: only a session of that DID can create or change it. Each
 * document has a backend id (`streamId`, a Ceramic stream id for `CeramicConsentStore`) that never changes
 * across updates, and its {@link metadataIdOf} is what the on-chain `Consent.metadataId` holds.
 *
 * The one implementation today is `CeramicConsentStore` (ceramic-consent-store.ts: js-ceramic HTTP API,
 * ModelInstanceDocuments of the MedrecConsent model). js-ceramic is deprecated upstream in favour of ceramic-one;
 * nothing outside ceramic-*.ts depends on Ceramic, so a ceramic-one backend can implement this interface with the
 * same document type and the same metadata ids.
 *
 * @module
 */
import { id as keccak256Utf8 } from "ethers";
import { MedrecError } from "../errors";
import type { ConsentDocument, ConsentDocumentPatch } from "./consent-document";

export type { ConsentDocument, ConsentDocumentPatch, ConsentStatus } from "./consent-document";
export { ConsentDocumentInvalidError, consentResource, validateConsentDocument } from "./consent-document";

/** Where a written document is: its backend id and the bytes32 that goes into the on-chain consent. */
export interface ConsentDocumentRef {
  /** The document's id in the backend (Ceramic: the stream id, base36 `k…`); stable across updates. */
  streamId: string;
  /** `metadataIdOf(streamId)`: the `metadataId` of the on-chain consent. */
  metadataId: string;
}

/** A document as read back. */
export interface StoredConsentDocument extends ConsentDocumentRef {
  document: ConsentDocument;
}

/** Store of consent documents controlled by one did:pkh (the store's session). */
export interface ConsentStore {
  /** The did:pkh this store writes as. */
  readonly controller: string;
  /**
   * Validates and writes a new document. `document.controller` must be {@link controller}.
   * @throws ConsentDocumentInvalidError (nothing written), ConsentNotControllerError, ConsentStoreError.
   */
  create(document: ConsentDocument): Promise<ConsentDocumentRef>;
  /**
   * Reads the latest version of a document.
   * @throws ConsentStoreError (unknown id, not a consent document, backend failure), ConsentDocumentInvalidError.
   */
  load(streamId: string): Promise<StoredConsentDocument>;
  /**
   * Applies `patch` (e.g. `{ status: "inactive" }` on revocation; status and consentId are mirrored into the FHIR
   * resource), validates the result and writes it as the next version.
   * @throws ConsentNotControllerError when the document is not the store's; ConsentDocumentInvalidError;
   *   ConsentStoreError.
   */
  update(streamId: string, patch: ConsentDocumentPatch): Promise<StoredConsentDocument>;
  /**
   * The document whose `metadataIdOf(streamId)` is `metadataId`, among the documents of this store's controller;
   * `undefined` when there is none. This is how a caller holding only an on-chain consent (its `metadataId`) gets
   * back to the document (e.g. its `purposeText`). The document is its latest version.
   * @throws ConsentMetadataIdInvalidError when `metadataId` is not a bytes32 0x-hex string (nothing is sent);
   *   ConsentStoreError (backend failure, e.g. the model is not indexed by the node); ConsentDocumentInvalidError.
   */
  find(metadataId: string): Promise<StoredConsentDocument | undefined>;
  /** Releases the backend connection. */
  close(): Promise<void>;
}

/**
 * The on-chain `Consent.metadataId` of a document: `keccak256(utf8(streamId))`, a bytes32 as 0x-hex (what
 * `ethers.id(streamId)` and Solidity's `keccak256(bytes(streamId))` compute). keccak256 rather than SHA-256 so a
 * contract can check a stream id against the metadata id cheaply. `streamId` must be the canonical string form
 * (Ceramic: `StreamID.toString()`, base36); the store returns it that way.
 */
export function metadataIdOf(streamId: string): string {
  if (typeof streamId !== "string" || streamId.length === 0) throw new ConsentStoreError("metadata-id", "empty stream id");
  return keccak256Utf8(streamId);
}

/** What a {@link ConsentStoreError} was doing. */
export type ConsentStoreOperation = "connect" | "deploy-model" | "index-model" | "create" | "load" | "update" | "find" | "metadata-id";

/**
 * `metadataId` in canonical form (lowercase 0x-hex, as {@link metadataIdOf} returns it), for comparisons and as a
 * cache key.
 * @throws ConsentMetadataIdInvalidError when it is not a bytes32 as 0x-hex (64 hex digits, either case).
 */
export function normalizeMetadataId(metadataId: string): string {
  if (typeof metadataId !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(metadataId)) throw new ConsentMetadataIdInvalidError(metadataId);
  return metadataId.toLowerCase();
}

/** The backend failed or refused: unreachable, unknown document, not a consent document, commit rejected. */
export class ConsentStoreError extends MedrecError {
  declare readonly code: "CONSENT_STORE_FAILED";
  /** The operation that failed. */
  readonly operation: ConsentStoreOperation;

  /**
   * @param operation What was being done.
   * @param message What failed (never document content).
   */
  constructor(operation: ConsentStoreOperation, message: string, options?: ErrorOptions) {
    super("CONSENT_STORE_FAILED", "unavailable", `consent store ${operation} failed: ${message}`, options);
    this.operation = operation;
  }
}

/** A write for a document the store's DID does not control (another controller), refused before writing. */
export class ConsentNotControllerError extends MedrecError {
  declare readonly code: "CONSENT_NOT_CONTROLLER";
  /** The document's controller. */
  readonly controller: string;
  /** The DID of the store's session. */
  readonly session: string;

  /**
   * @param controller The document's controller DID.
   * @param session The DID the store writes as.
   */
  constructor(controller: string, session: string, options?: ErrorOptions) {
    super("CONSENT_NOT_CONTROLLER", "refused", `document controller ${controller} is not the session's DID ${session}`, options);
    this.controller = controller;
    this.session = session;
  }
}

/** A `metadataId` that is not a bytes32 as 0x-hex, refused before asking the backend. */
export class ConsentMetadataIdInvalidError extends MedrecError {
  declare readonly code: "CONSENT_METADATA_ID_INVALID";

  /** @param metadataId What was given (public: a hash, or garbage; quoted truncated). */
  constructor(metadataId: unknown, options?: ErrorOptions) {
    const shown = typeof metadataId === "string" ? JSON.stringify(metadataId.length > 80 ? `${metadataId.slice(0, 80)}…` : metadataId) : typeof metadataId;
    super("CONSENT_METADATA_ID_INVALID", "invalid-input", `a consent metadataId is a bytes32 as 0x-hex, got ${shown}`, options);
  }
}
