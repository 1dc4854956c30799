// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @dev The part of the consent manager that the record token reads.
 */
interface IConsentManager {
    /// @notice Whether `grantee` holds, now, every scope bit of `scope` on `tokenId`.
    function hasAccess(address grantee, uint256 tokenId, uint8 scope) external view returns (bool);

    /// @notice Whether `issuer` holds, now, an APPEND consent over all records of `patient`.
    function canAppend(address issuer, address patient) external view returns (bool);
}
