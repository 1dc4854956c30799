/**
 * `sdk/chain`: what the SDK needs of the contracts beyond their typechain clients (`sdk/chain/contracts/`, generated):
 * participant kinds, record-update attestations, the revert data inside a provider's error, and a bare JSON-RPC
 * probe (`fetchChainId`; `rpcRequest`, which tells a refusal, `RpcRefusalError`, from no answer, `RpcNoAnswerError`), a sender's nonce asked of the node (`freshNonce`), and whether an error means the node does not answer (`isNodeUnreachable`).
 *
 * @module
 */
export { ParticipantKind } from "./participant-kind";
export { RECORD_UPDATE_TYPES, recordTokenDomain, signRecordUpdate, type RecordUpdate } from "./record-attestation";
export { findRevertData } from "./revert-data";
export { checksummedAddress, CHECKSUMS_KEPT } from "../vocabulary/checksummed-address";
export { fetchChainId, rpcRequest, RpcNoAnswerError, RpcRefusalError } from "./json-rpc";
export { freshNonce } from "./fresh-nonce";
export { revertDecoder, formatRevert, type DecodedRevert, type ErrorSource } from "./revert-decoder";
export { findUnreachable, isNodeUnreachable, UNREACHABLE_ERRNO_CODES, UNREACHABLE_ETHERS_CODES } from "./unreachable";
export { MEDREC_ERROR_SOURCES, decodeMedrecRevert } from "./medrec-reverts";
