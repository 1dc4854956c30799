// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @dev The part of the record token that the consent manager reads.
 */
interface IRecordToken {
    /// @notice The patient that holds `tokenId`, or the zero address if the token does not exist.
    function patientOf(uint256 tokenId) external view returns (address);

    /// @notice The patient and current version of `tokenId`, or zeros if the token does not exist.
    function pointerOf(uint256 tokenId) external view returns (address patient, uint64 version);

    /// @notice The patient of each of `tokenIds`, in order, in one call (zero for a token that does not exist).
    function patientsOf(uint256[] calldata tokenIds) external view returns (address[] memory patients);

    /// @notice {pointerOf} of each of `tokenIds`, in order, in one call: `patients[i]` and `versions[i]` are those of
    /// `tokenIds[i]` (zeros if it does not exist).
    function pointersOf(uint256[] calldata tokenIds) external view returns (address[] memory patients, uint64[] memory versions);
}
