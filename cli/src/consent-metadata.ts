/**
 * The off-chain description of a consent and its `metadataId`, the bytes32 the signed consent carries.
 *
 * For now the id is the keccak256 of the description's canonical JSON (RFC 8785) and the description is not
 * stored anywhere. {@link metadataIdFor} is the hook for the Ceramic `ConsentStore`: give it a
 * {@link ConsentMetadataStore} that publishes the description (e.g. as a FHIR Consent in a Ceramic stream) and
 * returns the stream's id as a bytes32.
 *
 * @module
 */
import { keccak256, toUtf8Bytes } from "ethers";
import { canonicalJson } from "../../sdk/fhir/canonical";

/** What a consent is about, in words a person and another system can read. No health data. */
export interface ConsentDescription {
  type: "medrec-consent";
  version: 1;
  chainId: string;
  consentManager: string;
  patient: string;
  grantee: string;
  /** Decimal token id, or `all`. */
  tokenId: string;
  scopes: string[];
  /** HL7 v3 PurposeOfUse code. */
  purpose: string;
  /** ISO 8601 UTC. */
  expiresAt: string;
}

/** Where consent descriptions are published; returns the bytes32 the consent refers to. */
export interface ConsentMetadataStore {
  publish(description: ConsentDescription): Promise<string>;
}

/** The default store: publishes nothing; the id is the keccak256 of the canonical JSON of the description. */
export const hashOnlyMetadataStore: ConsentMetadataStore = {
  async publish(description) {
    return keccak256(toUtf8Bytes(canonicalJson(description)));
  },
};

/**
 * The `metadataId` of a consent: publishes the description through `store` and returns its bytes32 id.
 * Hook for the Ceramic ConsentStore; the default only hashes ({@link hashOnlyMetadataStore}).
 * @param description The consent in words.
 * @param store Where descriptions go.
 */
export function metadataIdFor(description: ConsentDescription, store: ConsentMetadataStore = hashOnlyMetadataStore): Promise<string> {
  return store.publish(description);
}
