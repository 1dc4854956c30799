/**
 * `sdk/vocabulary`: the one home of the terms every domain shares, mirroring the contracts — scope bits and
 * names (`Scopes.sol`), purposes of use with their HL7 displays (`Purposes.sol`), `ALL_RECORDS` and the caps of
 * `ConsentManager` and `RecordToken`, token ids and their formatting, checksummed addresses (remembered), did:pkh
 * and the shared FHIR systems.
 * It imports no other SDK domain, so any domain may import it.
 *
 * @module
 */
export * from "./scopes";
export * from "./purposes";
export * from "./limits";
export * from "./disclosures";
export * from "./token-id";
export * from "./identifiers";
export * from "./checksummed-address";
