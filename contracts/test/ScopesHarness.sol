// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Scopes} from "../libraries/Scopes.sol";
import {Purposes} from "../libraries/Purposes.sol";

/// @dev Test-only: exposes the pure scope, expiry and purpose rules so property tests can call them directly.
contract ScopesHarness {
    function isValid(uint8 scopes) external pure returns (bool) {
        return Scopes.isValid(scopes);
    }

    function covers(uint8 granted, uint8 requested) external pure returns (bool) {
        return Scopes.covers(granted, requested);
    }

    function isLive(uint64 expiresAt, uint256 timestamp) external pure returns (bool) {
        return Scopes.isLive(expiresAt, timestamp);
    }

    function isValidPurpose(bytes32 purpose) external pure returns (bool) {
        return Purposes.isValid(purpose);
    }
}
