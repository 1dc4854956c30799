// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRecordToken} from "../interfaces/IRecordToken.sol";

/// @dev Test-only: a record token whose batch read answers wrongly (`mode` 0: one patient too few, 1: a dirty
/// address word, 2: the wrong array offset, 3: it reverts with {Broken}), so the consent manager's checks of that
/// answer can be tested.
contract MalformedRecordToken is IRecordToken {
    error Broken();

    uint256 public mode;

    function setMode(uint256 newMode) external {
        mode = newMode;
    }

    function patientOf(uint256) external pure returns (address) {
        return address(0);
    }

    function pointerOf(uint256) external pure returns (address, uint64) {
        return (address(0), 0);
    }

    function patientsOf(uint256[] calldata tokenIds) external view returns (address[] memory patients) {
        uint256 current = mode;
        if (current == 3) revert Broken();
        if (current == 0) return new address[](tokenIds.length - 1);
        uint256 count = tokenIds.length;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, 0x20)
            mstore(add(ptr, 0x20), count)
            for {
                let i := 0
            } lt(i, count) {
                i := add(i, 1)
            } {
                // mode 1: an address word with bits above 160 set; mode 2: a valid array at a wrong offset.
                mstore(add(ptr, add(0x40, shl(5, i))), or(shl(160, eq(current, 1)), caller()))
            }
            if eq(current, 2) {
                mstore(ptr, 0x40)
            }
            return(ptr, add(0x40, shl(5, count)))
        }
    }

    function pointersOf(uint256[] calldata tokenIds) external pure returns (address[] memory, uint64[] memory) {
        return (new address[](tokenIds.length), new uint64[](tokenIds.length));
    }
}
