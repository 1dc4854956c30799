/**
 * `sdk/consent`: the EIP-712 consent and revocation of `ConsentManager` and the purpose-of-use codes.
 * Smart-account patients sign with `wallet.signConsentAsAccount`.
 *
 * @module
 */
export * from "./typed-data";
export { Purpose } from "./purposes";
