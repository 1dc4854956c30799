/**
 * `sdk/chain`: what the SDK needs of the contracts beyond their typechain clients (`typechain-types/`):
 * participant kinds and record-update attestations.
 *
 * @module
 */
export { ParticipantKind } from "./participant-kind";
export { RECORD_UPDATE_TYPES, recordTokenDomain, signRecordUpdate, type RecordUpdate } from "./record-attestation";
