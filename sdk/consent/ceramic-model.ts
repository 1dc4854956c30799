/**
 * The `MedrecConsent` Ceramic model: the schema of the ModelInstanceDocuments `CeramicConsentStore` writes, and
 * {@link deployConsentModel}, which creates it on a node.
 *
 * Stored content (one document per consent, `accountRelation: list`, controlled by the patient's did:pkh):
 * - `patient`: the patient's did:pkh (from the FHIR resource; the Ceramic controller is in the stream metadata);
 * - `grantee`: the grantee's did:pkh (from `provision.actor`), for future indexing;
 * - `fhirConsent`: the FHIR R4 Consent resource as canonical JSON (`sdk/fhir` `canonicalJson`);
 * - `purposeText`: the human-readable purpose;
 * - `status`: the FHIR Consent status;
 * - `consentId`: the EIP-712 consent id, once signed (optional).
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import { CeramicClient } from "@ceramicnetwork/http-client";
import { Model, type ModelDefinition } from "@ceramicnetwork/stream-model";
import { DID } from "dids";
import { Ed25519Provider } from "key-did-provider-ed25519";
import { getResolver as getKeyResolver } from "key-did-resolver";
import { CONSENT_STATUSES } from "./consent-document";
import { ConsentStoreError } from "./consent-store";

/** Name of the model; `CeramicConsentStore` refuses a model id with another name. */
export const CONSENT_MODEL_NAME = "MedrecConsent";

/** The content of a MedrecConsent ModelInstanceDocument. */
export interface CeramicConsentContent {
  patient: string;
  grantee?: string;
  fhirConsent: string;
  purposeText: string;
  status: string;
  consentId?: string;
}

/** The MedrecConsent model definition (Model v2). */
export const CONSENT_MODEL_DEFINITION: ModelDefinition = {
  version: "2.0",
  name: CONSENT_MODEL_NAME,
  description: "medrec consent: FHIR R4 Consent resource + human-readable purpose, controlled by the patient's did:pkh",
  interface: false,
  implements: [],
  accountRelation: { type: "list" },
  schema: {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    additionalProperties: false,
    properties: {
      patient: { type: "string", maxLength: 256 },
      grantee: { type: "string", maxLength: 256 },
      fhirConsent: { type: "string", maxLength: 100000 },
      purposeText: { type: "string", minLength: 1, maxLength: 4000 },
      status: { type: "string", enum: [...CONSENT_STATUSES], maxLength: 32 },
      consentId: { type: "string", pattern: "^0x[0-9a-f]{64}$", maxLength: 66 },
    },
    required: ["patient", "fhirConsent", "purposeText", "status"],
  },
};

/** A new random did:key, authenticated (the default model controller). */
export async function randomKeyDid(): Promise<DID> {
  const did = new DID({ provider: new Ed25519Provider(randomBytes(32)), resolver: getKeyResolver() });
  await did.authenticate();
  return did;
}

/**
 * Creates the MedrecConsent model on a Ceramic node.
 * @param ceramicUrl The node's HTTP API, e.g. `http://127.0.0.1:7007`.
 * @param adminDid The DID that controls the model (an application / deployer DID, authenticated or not); default a
 *   fresh random did:key. Models are public: anyone may write documents of a model, each controlled by its writer.
 * @returns The model's stream id, which `CeramicConsentStore` needs.
 * @throws ConsentStoreError (operation `deploy-model`).
 */
export async function deployConsentModel(ceramicUrl: string, adminDid?: DID): Promise<string> {
  const client = new CeramicClient(ceramicUrl);
  try {
    const did = adminDid ?? (await randomKeyDid());
    if (!did.authenticated) await did.authenticate();
    client.did = did;
    const model = await Model.create(client, CONSENT_MODEL_DEFINITION);
    return model.id.toString();
  } catch (error) {
    throw new ConsentStoreError("deploy-model", describeCeramicError(error), { cause: error });
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** A short description of a Ceramic client error (HTTP status and the node's error text, truncated). */
export function describeCeramicError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}
