// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IPatientRegistry} from "./interfaces/IPatientRegistry.sol";

/**
 * @title PatientRegistry
 * @notice Patients register themselves (EOA or smart account) with the X25519 public key that record keys
 * are wrapped to. Each patient's decentralized identifier is `did:pkh:eip155:<chainId>:<account>`.
 * Nothing here is health data; deregistering erases the key.
 */
contract PatientRegistry is IPatientRegistry {
    /// @dev One slot per patient: a zero key means "not registered".
    mapping(address patient => bytes32 encryptionKey) private _encryptionKeys;
    /// @dev How many times each account has registered (never reset, so a registration number is never reused).
    mapping(address patient => uint64 registrations) private _registrations;

    /**
     * @notice Registers the caller as a patient with the X25519 public key `encryptionKey`.
     * @dev Reverts with {PatientAlreadyRegistered} or {InvalidEncryptionKey}.
     */
    function register(bytes32 encryptionKey) external {
        if (encryptionKey == bytes32(0)) revert InvalidEncryptionKey();
        if (_encryptionKeys[msg.sender] != bytes32(0)) revert PatientAlreadyRegistered(msg.sender);
        _encryptionKeys[msg.sender] = encryptionKey;
        ++_registrations[msg.sender];
        emit PatientRegistered(msg.sender, encryptionKey);
    }

    /**
     * @notice Replaces the caller's X25519 public key with `newKey`.
     * @dev Reverts with {PatientNotRegistered}, {InvalidEncryptionKey} or {EncryptionKeyUnchanged}.
     */
    function rotateEncryptionKey(bytes32 newKey) external {
        bytes32 previousKey = _requireRegistered(msg.sender);
        if (newKey == bytes32(0)) revert InvalidEncryptionKey();
        if (newKey == previousKey) revert EncryptionKeyUnchanged();
        _encryptionKeys[msg.sender] = newKey;
        emit EncryptionKeyRotated(msg.sender, previousKey, newKey);
    }

    /**
     * @notice Erases the caller's registration and key. Records already minted stay under the patient's
     * control (they can still be burned); no new record can be minted to the caller. Patient-wide consents and the
     * emergency delegate, which ConsentManager binds to {registrationOf}, end with the registration.
     * @dev Reverts with {PatientNotRegistered}.
     */
    function deregister() external {
        _requireRegistered(msg.sender);
        delete _encryptionKeys[msg.sender];
        emit PatientDeregistered(msg.sender);
    }

    /// @inheritdoc IPatientRegistry
    function isPatient(address account) external view returns (bool) {
        return _encryptionKeys[account] != bytes32(0);
    }

    /// @inheritdoc IPatientRegistry
    function registrationOf(address patient) external view returns (uint64) {
        return _encryptionKeys[patient] == bytes32(0) ? 0 : _registrations[patient];
    }

    /// @inheritdoc IPatientRegistry
    function encryptionKeyOf(address patient) external view returns (bytes32) {
        return _requireRegistered(patient);
    }

    /**
     * @notice The did:pkh of `patient` on this chain, e.g. `did:pkh:eip155:324:0xab…`.
     * @dev Reverts with {PatientNotRegistered}.
     */
    function didOf(address patient) external view returns (string memory) {
        _requireRegistered(patient);
        return string.concat("did:pkh:eip155:", Strings.toString(block.chainid), ":", Strings.toHexString(patient));
    }

    function _requireRegistered(address patient) private view returns (bytes32 key) {
        key = _encryptionKeys[patient];
        if (key == bytes32(0)) revert PatientNotRegistered(patient);
    }
}
