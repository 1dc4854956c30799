/**
 * `sdk/consent`: the EIP-712 consent and revocation of `ConsentManager`, the purpose-of-use codes, and the
 * consent metadata documents (a FHIR Consent plus human-readable purpose) behind the backend-neutral
 * `ConsentStore`, with Ceramic as the first backend. Smart-account patients sign with
 * `wallet.signConsentAsAccount`.
 *
 * @module
 */
export * from "./typed-data";
export { ALL_RECORDS, ALL_SCOPES, PURPOSE_DISPLAY, Purpose, Scope } from "../vocabulary";
export * from "./consent-store";
export * from "./consent-document";
export {
  CeramicConsentStore,
  deployConsentModel,
  indexConsentModel,
  keyDidFromSeed,
  createPkhSession,
  eip1193FromSigner,
  type CeramicConsentStoreOptions,
  type DeployConsentModelOptions,
} from "./ceramic-consent-store";
