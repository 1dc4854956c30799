/**
 * `CeramicConsentStore`: the {@link ConsentStore} on Ceramic.
 *
 * Each consent document is a ModelInstanceDocument of the MedrecConsent model (ceramic-model.ts), written through a
 * node's HTTP API with `@ceramicnetwork/http-client` and controlled by the patient's did:pkh (a `did-session`
 * authorised with `@didtools/pkh-ethereum`, ceramic-session.ts). The Ceramic node enforces control: it accepts a
 * genesis or update commit only when it is signed by a session of the document's controller, and it validates the
 * content against the model's schema. The store checks the same before writing, so refusals are typed errors and
 * nothing is sent.
 *
 * The stream id (base36 `k…`) is the document id; `metadataIdOf(streamId)` goes on-chain. `find(metadataId)` goes
 * the other way through the node's index (the model must be indexed: `indexConsentModel`): it pages through the
 * controller's documents of the model and keeps what it saw (metadataId → stream id, also for the documents the
 * store created) in memory, so a known id is only loaded, not searched for again.
 *
 * Backend: js-ceramic (`@ceramicnetwork/cli` 6.x daemon, tested on its `inmemory` network). js-ceramic is
 * deprecated upstream in favour of ceramic-one; only the ceramic-*.ts files know about it.
 *
 * @module
 */
import type { Signer } from "ethers";
import type { CeramicClient } from "@ceramicnetwork/http-client";
import type { Model } from "@ceramicnetwork/stream-model";
import type { ModelInstanceDocument } from "@ceramicnetwork/stream-model-instance";
import type { DIDSession } from "did-session";
import type { DID } from "dids";
import type { Consent as FhirConsent } from "@medplum/fhirtypes";
import { canonicalJson } from "../fhir";
import {
  applyConsentPatch,
  ConsentDocumentInvalidError,
  validateConsentDocument,
  type ConsentDocument,
  type ConsentDocumentPatch,
  type ConsentStatus,
} from "./consent-document";
import {
  ConsentNotControllerError,
  ConsentStoreError,
  metadataIdOf,
  normalizeMetadataId,
  type ConsentDocumentRef,
  type ConsentStore,
  type StoredConsentDocument,
} from "./consent-store";
import { CONSENT_MODEL_NAME, describeCeramicError, type CeramicConsentContent } from "./ceramic-model";
import { createPkhSession, type PkhSessionOptions } from "./ceramic-session";
import { ceramicModules } from "./ceramic-modules";

export {
  deployConsentModel,
  indexConsentModel,
  keyDidFromSeed,
  CONSENT_MODEL_DEFINITION,
  CONSENT_MODEL_NAME,
  type CeramicConsentContent,
  type DeployConsentModelOptions,
} from "./ceramic-model";
export { createPkhSession, eip1193FromSigner, type Eip1193Provider, type PkhSessionOptions } from "./ceramic-session";

/** Options of {@link CeramicConsentStore.open}. */
export interface CeramicConsentStoreOptions {
  /** The node's HTTP API, e.g. `http://127.0.0.1:7007`. */
  ceramicUrl: string;
  /** Stream id of the MedrecConsent model (`deployConsentModel`). */
  modelId: string;
  /** The writer: a did:pkh session (`createPkhSession`) or its DID (a did:key with a did:pkh capability). */
  session: DIDSession | DID;
  /** Documents per index page `find` asks for, 1…1000 (the node's limit); default 100. */
  findPageSize?: number;
}

type ModelStreamId = Model["id"];

/** Documents per index page `find` asks for by default (the node allows up to 1000). */
const FIND_PAGE_SIZE = 100;

/** The ConsentStore on a js-ceramic node; one instance writes as one did:pkh. */
export class CeramicConsentStore implements ConsentStore {
  readonly controller: string;
  /** metadataId → stream id of the controller's documents seen so far (created, loaded, or listed by the index). */
  private readonly seen = new Map<string, string>();

  private constructor(
    private readonly client: CeramicClient,
    private readonly model: ModelStreamId,
    controller: string,
    private readonly findPageSize: number,
  ) {
    this.controller = controller;
  }

  /**
   * Connects to a node with a did:pkh session and checks that `modelId` is a MedrecConsent model there.
   * @throws ConsentStoreError (operation `connect`): no session DID, node unreachable, unknown or other model.
   */
  static async open(options: CeramicConsentStoreOptions): Promise<CeramicConsentStore> {
    const did = "did" in options.session && !("authenticate" in options.session) ? options.session.did : (options.session as DID);
    if (!did.authenticated || !did.hasParent || !did.parent.startsWith("did:pkh:")) {
      throw new ConsentStoreError("connect", "the session must be an authorised did:pkh session (did-session)");
    }
    const pageSize = options.findPageSize ?? FIND_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw new ConsentStoreError("connect", "findPageSize must be an integer in 1…1000");
    const { CeramicClient, Model } = await ceramicModules();
    const client = new CeramicClient(options.ceramicUrl);
    client.did = did;
    let model: Model;
    try {
      model = await Model.load(client, options.modelId);
    } catch (error) {
      await client.close().catch(() => undefined);
      throw new ConsentStoreError("connect", `model ${options.modelId} not loaded: ${describeCeramicError(error)}`, { cause: error });
    }
    if (model.content.name !== CONSENT_MODEL_NAME) {
      await client.close().catch(() => undefined);
      throw new ConsentStoreError("connect", `model ${options.modelId} is not a ${CONSENT_MODEL_NAME} model`);
    }
    return new CeramicConsentStore(client, model.id, did.parent, pageSize);
  }

  /**
   * Authorises a did:pkh session with `signer` (one SIWE signature) and opens the store with it.
   * For a smart-account patient, pass the owner key's signer (see ceramic-session.ts).
   */
  static async openWithSigner(
    options: Omit<CeramicConsentStoreOptions, "session"> & { signer: Signer } & Omit<PkhSessionOptions, "modelId">,
  ): Promise<CeramicConsentStore> {
    const session = await createPkhSession(options.signer, { ...options, modelId: options.modelId });
    return CeramicConsentStore.open({ ceramicUrl: options.ceramicUrl, modelId: options.modelId, session });
  }

  /** The model's stream id. */
  get modelId(): string {
    return this.model.toString();
  }

  async create(document: ConsentDocument): Promise<ConsentDocumentRef> {
    validateConsentDocument(document);
    if (document.controller !== this.controller) throw new ConsentNotControllerError(document.controller, this.controller);
    const { ModelInstanceDocument } = await ceramicModules();
    let stream: ModelInstanceDocument<CeramicConsentContent>;
    try {
      stream = await ModelInstanceDocument.create<CeramicConsentContent>(this.client, toContent(document), {
        model: this.model,
        controller: document.controller,
      });
    } catch (error) {
      throw new ConsentStoreError("create", describeCeramicError(error), { cause: error });
    }
    return this.remember(stream.id.toString());
  }

  async load(streamId: string): Promise<StoredConsentDocument> {
    const stream = await this.loadStream(streamId, "load");
    const document = fromStream(stream);
    if (document.controller === this.controller) this.remember(stream.id.toString());
    return stored(stream, document);
  }

  async find(metadataId: string): Promise<StoredConsentDocument | undefined> {
    const wanted = normalizeMetadataId(metadataId);
    const known = this.seen.get(wanted);
    if (known !== undefined) return this.load(known);
    const found = await this.searchIndex(wanted);
    return found === undefined ? undefined : stored(found, fromStream(found));
  }

  async update(streamId: string, patch: ConsentDocumentPatch): Promise<StoredConsentDocument> {
    const stream = await this.loadStream(streamId, "update");
    const current = fromStream(stream);
    if (current.controller !== this.controller) throw new ConsentNotControllerError(current.controller, this.controller);
    const next = validateConsentDocument(applyConsentPatch(current, patch));
    try {
      await stream.replace(toContent(next));
    } catch (error) {
      throw new ConsentStoreError("update", describeCeramicError(error), { cause: error });
    }
    return stored(stream, next);
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Records a document of the controller in {@link seen}; returns its ref. */
  private remember(streamId: string): ConsentDocumentRef {
    const ref = { streamId, metadataId: metadataIdOf(streamId) };
    this.seen.set(ref.metadataId, streamId);
    return ref;
  }

  /**
   * Pages through the index (the controller's documents of the model, oldest first) until a document with
   * `metadataId` turns up, remembering every document on the way; the document as the index returns it (the
   * node's latest state), or undefined.
   */
  private async searchIndex(metadataId: string): Promise<ModelInstanceDocument<CeramicConsentContent> | undefined> {
    const { ModelInstanceDocument } = await ceramicModules();
    let after: string | undefined;
    for (;;) {
      let page: Awaited<ReturnType<CeramicClient["index"]["query"]>>;
      try {
        page = await this.client.index.query({ model: this.model, account: this.controller, first: this.findPageSize, ...(after === undefined ? {} : { after }) });
      } catch (error) {
        throw new ConsentStoreError("find", `index query of model ${this.model.toString()} failed: ${describeCeramicError(error)}`, { cause: error });
      }
      let match: ModelInstanceDocument<CeramicConsentContent> | undefined;
      for (const edge of page.edges) {
        if (edge.node === null) continue; // indexed, but the node lost its state (it logs a warning)
        const stream = this.client.buildStreamFromState<ModelInstanceDocument<CeramicConsentContent>>(edge.node);
        if (!(stream instanceof ModelInstanceDocument) || !stream.metadata.model?.equals(this.model)) continue;
        if (stream.metadata.controller !== this.controller) continue;
        const ref = this.remember(stream.id.toString());
        if (ref.metadataId === metadataId) match ??= stream;
      }
      if (match !== undefined) return match;
      const next = page.pageInfo.endCursor;
      if (!page.pageInfo.hasNextPage || next === undefined || next === after) return undefined;
      after = next;
    }
  }

  /** The latest version of a MedrecConsent document of this store's model. */
  private async loadStream(streamId: string, operation: "load" | "update"): Promise<ModelInstanceDocument<CeramicConsentContent>> {
    const { ModelInstanceDocument } = await ceramicModules();
    let stream: ModelInstanceDocument<CeramicConsentContent>;
    try {
      stream = await ModelInstanceDocument.load<CeramicConsentContent>(this.client, streamId);
    } catch (error) {
      throw new ConsentStoreError(operation, `stream ${streamId} not loaded: ${describeCeramicError(error)}`, { cause: error });
    }
    if (!(stream instanceof ModelInstanceDocument) || !stream.metadata.model?.equals(this.model)) {
      throw new ConsentStoreError(operation, `stream ${streamId} is not a document of model ${this.model.toString()}`);
    }
    return stream;
  }
}

/** The stored content of a validated document. */
function toContent(document: ConsentDocument): CeramicConsentContent {
  const grantee = document.resource.provision?.actor?.[0]?.reference?.identifier?.value;
  return {
    patient: document.resource.patient!.identifier!.value!,
    ...(grantee === undefined ? {} : { grantee }),
    fhirConsent: canonicalJson(document.resource),
    purposeText: document.purposeText,
    status: document.status,
    ...(document.consentId === undefined ? {} : { consentId: document.consentId }),
  };
}

/** The document in a stream, validated. */
function fromStream(stream: ModelInstanceDocument<CeramicConsentContent>): ConsentDocument {
  const content = stream.content;
  if (content === null) throw new ConsentDocumentInvalidError([{ path: "$", message: "the document is empty", code: "required" }]);
  let resource: FhirConsent;
  try {
    resource = JSON.parse(content.fhirConsent) as FhirConsent;
  } catch {
    throw new ConsentDocumentInvalidError([{ path: "fhirConsent", message: "not JSON", code: "structure" }]);
  }
  return validateConsentDocument({
    controller: stream.metadata.controller,
    resource,
    purposeText: content.purposeText,
    status: content.status as ConsentStatus,
    ...(content.consentId === undefined ? {} : { consentId: content.consentId }),
  });
}

function stored(stream: ModelInstanceDocument<CeramicConsentContent>, document: ConsentDocument): StoredConsentDocument {
  const streamId = stream.id.toString();
  return { streamId, metadataId: metadataIdOf(streamId), document };
}
