// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @dev Purpose-of-use codes (HL7 v3 PurposeOfUse), left-aligned ASCII in a bytes32. A purpose is stored
 * in 22 bytes next to its grant, so every code must leave the last 10 bytes zero.
 */
library Purposes {
    /// @dev Treatment.
    bytes32 internal constant TREATMENT = "TREAT";
    /// @dev Payment.
    bytes32 internal constant PAYMENT = "HPAYMT";
    /// @dev Healthcare operations.
    bytes32 internal constant OPERATIONS = "HOPERAT";
    /// @dev Research.
    bytes32 internal constant RESEARCH = "HRESCH";
    /// @dev Emergency treatment (break-glass).
    bytes32 internal constant EMERGENCY = "ETREAT";

    /// @dev Mask of the 10 low-order bytes a purpose code must leave zero.
    uint256 private constant _TAIL_MASK = (1 << 80) - 1;

    /// @dev Whether `purpose` is non-zero and fits the stored 22 bytes.
    function isValid(bytes32 purpose) internal pure returns (bool) {
        return purpose != 0 && uint256(purpose) & _TAIL_MASK == 0;
    }

    /// @dev The stored form of a valid purpose.
    function pack(bytes32 purpose) internal pure returns (bytes22) {
        return bytes22(purpose);
    }
}
