// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/**
 * @dev Test-only stand-in for a patient's smart account (the real one is aa-wallets' PatientAccount):
 * an owner key, ERC-1271 signature checks, and a call-forwarding `execute`. `setMisbehaving(true)` makes
 * `isValidSignature` answer a wrong magic value, to test that verifiers reject it.
 */
contract TestSmartAccount is IERC1271 {
    address public owner;
    bool public misbehaving;

    error NotOwner();
    error CallFailed(bytes reason);

    constructor(address initialOwner) {
        owner = initialOwner;
    }

    function setOwner(address newOwner) external {
        if (msg.sender != owner) revert NotOwner();
        owner = newOwner;
    }

    function setMisbehaving(bool value) external {
        if (msg.sender != owner) revert NotOwner();
        misbehaving = value;
    }

    function execute(address target, bytes calldata data) external returns (bytes memory result) {
        if (msg.sender != owner) revert NotOwner();
        bool ok;
        (ok, result) = target.call(data);
        if (!ok) revert CallFailed(result);
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (misbehaving) return 0xdeadbeef;
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}
