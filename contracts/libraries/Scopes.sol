// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @dev The scope bit set of a consent and the expiry arithmetic shared by every grant.
 */
library Scopes {
    /// @dev Read the record (the resolver releases its key).
    uint8 internal constant READ = 1 << 0;
    /// @dev Add records or new versions for the patient.
    uint8 internal constant APPEND = 1 << 1;
    /// @dev Attach annotations to a record.
    uint8 internal constant ANNOTATE = 1 << 2;
    /// @dev Every scope bit defined.
    uint8 internal constant ALL = READ | APPEND | ANNOTATE;

    /// @dev Whether `scopes` is a non-empty subset of the defined bits.
    function isValid(uint8 scopes) internal pure returns (bool) {
        return scopes != 0 && scopes & ~ALL == 0;
    }

    /// @dev Whether `granted` contains every bit of `requested`; an empty request is never covered.
    function covers(uint8 granted, uint8 requested) internal pure returns (bool) {
        return requested != 0 && granted & requested == requested;
    }

    /// @dev Whether a grant that expires at `expiresAt` is live at time `timestamp` (the expiry second is excluded).
    function isLive(uint64 expiresAt, uint256 timestamp) internal pure returns (bool) {
        return timestamp < expiresAt;
    }
}
