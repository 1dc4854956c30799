/**
 * `sdk/consent`: the EIP-712 consent and revocation of `ConsentManager`, the purpose-of-use codes, and the
 * consent metadata documents (a FHIR Consent plus human-readable purpose) behind the backend-neutral
 * `ConsentStore`, with Ceramic as the first backend. Smart-account patients sign with
 * `wallet.signConsentAsAccount`. Everything but the Ceramic backend is in `./core`, which runs in a browser.
 *
 * @module
 */
export * from "./core";
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
