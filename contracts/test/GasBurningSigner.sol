// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/**
 * @dev Test-only ERC-1271 "account" that makes verifiers pay: `isValidSignature` burns `burn` gas before answering
 * the magic value for any signature (`type(uint256).max` loops until the call runs out of gas). Used to show that
 * a verifier caps the gas and time of the check and counts the claim against a limit before making it.
 */
contract GasBurningSigner is IERC1271 {
    /// @notice Gas each `isValidSignature` call burns before it answers.
    uint256 public immutable burn;

    /// @param gasToBurn Gas to burn per call.
    constructor(uint256 gasToBurn) {
        burn = gasToBurn;
    }

    /// @notice Burns {burn} gas, then vouches for anything.
    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        uint256 start = gasleft();
        uint256 sink;
        while (start - gasleft() < burn) sink = uint256(keccak256(abi.encode(sink)));
        return IERC1271.isValidSignature.selector;
    }
}
