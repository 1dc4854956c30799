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
 * `CeramicConsentStore.find` looks documents up through the node's index (ComposeDB tables), which holds only the
 * documents of models the node indexes, written after indexing started: {@link indexConsentModel} (admin API,
 * needs a DID listed in the daemon's `http-api.admin-dids`) right after {@link deployConsentModel}, or both at
 * once by giving `deployConsentModel` that admin DID.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import type { ModelDefinition } from "@ceramicnetwork/stream-model";
import type { DID } from "dids";
import { ceramicModules } from "./ceramic-modules";
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
  return keyDidFromSeed(randomBytes(32));
}

/**
 * The did:key (Ed25519) of a 32-byte seed, authenticated: e.g. the admin DID of a node, whose seed its operator
 * keeps (the seed is a secret; the DID `did.id` is public and goes into the daemon's `http-api.admin-dids`).
 * @throws ConsentStoreError (operation `connect`) when the seed is not 32 bytes.
 */
export async function keyDidFromSeed(seed: Uint8Array): Promise<DID> {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new ConsentStoreError("connect", "a did:key seed is 32 bytes");
  const { DID, Ed25519Provider, getKeyResolver } = await ceramicModules();
  const did = new DID({ provider: new Ed25519Provider(seed), resolver: getKeyResolver() });
  await did.authenticate();
  return did;
}

/** Options of {@link deployConsentModel}. */
export interface DeployConsentModelOptions {
  /**
   * Also have the node index the model ({@link indexConsentModel}) with `adminDid`, which the node must list as an
   * admin DID. Default: true when `adminDid` is given, false otherwise.
   */
  index?: boolean;
}

/**
 * Creates the MedrecConsent model on a Ceramic node, and by default indexes it when given an admin DID.
 * @param ceramicUrl The node's HTTP API, e.g. `http://127.0.0.1:7007`.
 * @param adminDid The DID that controls the model (an application / deployer DID, authenticated or not); default a
 *   fresh random did:key. Models are public: anyone may write documents of a model, each controlled by its writer.
 *   When it is one of the node's admin DIDs, the model is indexed too (see {@link DeployConsentModelOptions}).
 * @returns The model's stream id, which `CeramicConsentStore` needs.
 * @throws ConsentStoreError (operation `deploy-model`; `index-model` when indexing failed).
 */
export async function deployConsentModel(ceramicUrl: string, adminDid?: DID, options: DeployConsentModelOptions = {}): Promise<string> {
  const index = options.index ?? adminDid !== undefined;
  if (index && adminDid === undefined) throw new ConsentStoreError("index-model", "indexing the model needs the node's admin DID");
  const { CeramicClient, Model } = await ceramicModules();
  const client = new CeramicClient(ceramicUrl);
  let modelId: string;
  try {
    const did = adminDid ?? (await randomKeyDid());
    if (!did.authenticated) await did.authenticate();
    client.did = did;
    const model = await Model.create(client, CONSENT_MODEL_DEFINITION);
    modelId = model.id.toString();
  } catch (error) {
    throw new ConsentStoreError("deploy-model", describeCeramicError(error), { cause: error });
  } finally {
    await client.close().catch(() => undefined);
  }
  if (index) await indexConsentModel(ceramicUrl, adminDid!, modelId);
  return modelId;
}

/**
 * Has the node index the documents of a MedrecConsent model (admin API `startIndexingModelData`), which
 * `CeramicConsentStore.find` needs. Idempotent. The node indexes documents written from then on (this package
 * runs nodes without historical sync): index a model before writing documents of it.
 *
 * Caveat (js-ceramic 6.x `ceramic-daemon.js` `_processAdminModelsMutationRequest`): a request signed by a DID that
 * is not an admin gets 401, and this function throws, but the node starts indexing anyway (the handler does not
 * return after refusing). `http-api.admin-dids` is no guard; the daemons of this package listen on 127.0.0.1 only.
 * @param ceramicUrl The node's HTTP API.
 * @param adminDid A DID listed in the node's `http-api.admin-dids` (authenticated here if it is not yet).
 * @param modelId The model's stream id.
 * @throws ConsentStoreError (operation `index-model`): not an admin DID, unknown or other model, node failure.
 */
export async function indexConsentModel(ceramicUrl: string, adminDid: DID, modelId: string): Promise<void> {
  const { CeramicClient, Model } = await ceramicModules();
  const client = new CeramicClient(ceramicUrl);
  try {
    if (!adminDid.authenticated) await adminDid.authenticate();
    client.did = adminDid;
    const model = await Model.load(client, modelId);
    if (model.content.name !== CONSENT_MODEL_NAME) throw new Error(`model ${modelId} is not a ${CONSENT_MODEL_NAME} model`);
    const streamID = model.id;
    await client.admin.startIndexingModelData([{ streamID }]);
    const indexed = await client.admin.getIndexedModelData();
    if (!indexed.some((entry) => entry.streamID.equals(streamID))) throw new Error(`the node does not list model ${modelId} as indexed`);
  } catch (error) {
    throw new ConsentStoreError("index-model", describeCeramicError(error), { cause: error });
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** A short description of a Ceramic client error (HTTP status and the node's error text, truncated). */
export function describeCeramicError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}
