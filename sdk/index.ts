/**
 * The medrec SDK: one entry point, one namespace per domain (viem style: plain functions grouped by domain).
 *
 * - `fhir`: validate FHIR R4, canonicalise, split a bundle into records, export them back.
 * - `crypto`: envelope encryption (AES-256-GCM records, X25519 key wrapping).
 * - `storage`: content-addressed ciphertext storage (embedded Helia store, Filecoin via filecoin-pin).
 * - `records`: ingest and read records through the chain, the store and the key store.
 * - `consent`: EIP-712 consents and revocations, purposes.
 * - `wallet`: zkSync AA transactions, the sponsor paymaster, onboarding, guardians and recovery.
 * - `audit`: the accounting of disclosures from on-chain events (JSON, CSV, FHIR AuditEvent).
 * - `breakglass`: emergency access through an M-of-N Safe (protocol-kit): the hospital's officers' Safe, or a Safe
 *   of the patient's guardians named as the patient's emergency delegate.
 * - `resolver`: the key-release service's client: signed access requests, reads through the resolver, key deposits.
 * - `chain`: participant kinds and record-update attestations (contract clients are in `typechain-types/`).
 * - `vocabulary`: the terms the contracts define and every domain shares: scopes, purposes, `ALL_RECORDS`, caps.
 *
 * Every error the SDK throws on purpose is a `MedrecError` with a stable `code` and a `category`.
 *
 * @module
 */
export * as audit from "./audit";
export * as breakglass from "./breakglass";
export * as chain from "./chain";
export * as consent from "./consent";
export * as crypto from "./crypto";
export * as fhir from "./fhir";
export * as records from "./records";
export * as resolver from "./resolver";
export * as storage from "./storage";
export * as vocabulary from "./vocabulary";
export * as wallet from "./wallet";
export * from "./errors";
