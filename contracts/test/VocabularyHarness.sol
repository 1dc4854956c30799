// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Scopes} from "../libraries/Scopes.sol";
import {Purposes} from "../libraries/Purposes.sol";

/**
 * @dev Test-only: exposes the `internal` constants of the `Scopes` and `Purposes` libraries — every scope bit and
 * every purpose code — straight from the libraries (no value is retyped here), so that the SDK's `sdk/vocabulary`
 * can be compared with them entry by entry. `ALL_RECORDS` and the caps are `public` constants of `ConsentManager`
 * and `RecordToken` (Solidity gives no access to another contract's constants), read from those contracts' getters.
 */
contract VocabularyHarness {
    /// @notice The scope bits of `Scopes`, by their library names (every bit except the union `ALL`).
    /// @return names The library names, in bit order.
    /// @return bits The bit of each name.
    function scopes() external pure returns (string[] memory names, uint8[] memory bits) {
        names = new string[](3);
        bits = new uint8[](3);
        (names[0], bits[0]) = ("READ", Scopes.READ);
        (names[1], bits[1]) = ("APPEND", Scopes.APPEND);
        (names[2], bits[2]) = ("ANNOTATE", Scopes.ANNOTATE);
    }

    /// @notice `Scopes.ALL`, the union of every scope bit.
    /// @return The bit set.
    function allScopes() external pure returns (uint8) {
        return Scopes.ALL;
    }

    /// @notice The purpose codes of `Purposes`, by their library names.
    /// @return names The library names.
    /// @return codes The bytes32 code of each name.
    function purposes() external pure returns (string[] memory names, bytes32[] memory codes) {
        names = new string[](5);
        codes = new bytes32[](5);
        (names[0], codes[0]) = ("TREATMENT", Purposes.TREATMENT);
        (names[1], codes[1]) = ("PAYMENT", Purposes.PAYMENT);
        (names[2], codes[2]) = ("OPERATIONS", Purposes.OPERATIONS);
        (names[3], codes[3]) = ("RESEARCH", Purposes.RESEARCH);
        (names[4], codes[4]) = ("EMERGENCY", Purposes.EMERGENCY);
    }
}
