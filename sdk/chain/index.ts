/**
 * `sdk/chain`: what the SDK needs of the contracts beyond their typechain clients (`typechain-types/`):
 * participant kinds, record-update attestations and the revert data inside a provider's error.
 *
 * @module
 */
export { ParticipantKind } from "./participant-kind";
export { RECORD_UPDATE_TYPES, recordTokenDomain, signRecordUpdate, type RecordUpdate } from "./record-attestation";
export { findRevertData } from "./revert-data";
