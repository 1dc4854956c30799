/**
 * The consent domain without a metadata backend: the EIP-712 consent and revocation (typed data, domain,
 * signing), the purposes and scopes, the consent metadata document (FHIR Consent building and validation) and the
 * backend-neutral `ConsentStore` interface. Imports no Node built-in; `sdk/consent` adds the Ceramic backend.
 *
 * @module
 */
export * from "./typed-data";
export { ALL_RECORDS, ALL_SCOPES, PURPOSE_DISPLAY, Purpose, Scope } from "../vocabulary";
export * from "./consent-store";
export * from "./consent-document";
