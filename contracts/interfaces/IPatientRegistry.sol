// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @dev Patients known to medrec: an account (EOA or smart account) and its X25519 encryption key.
 */
interface IPatientRegistry {
    /// @dev The account is already registered.
    error PatientAlreadyRegistered(address patient);
    /// @dev The account is not registered.
    error PatientNotRegistered(address patient);
    /// @dev An encryption key of zero bytes was given.
    error InvalidEncryptionKey();
    /// @dev The new encryption key equals the current one.
    error EncryptionKeyUnchanged();

    /// @notice `patient` registered with the X25519 public key `encryptionKey`.
    event PatientRegistered(address indexed patient, bytes32 encryptionKey);
    /// @notice `patient` replaced its X25519 public key.
    event EncryptionKeyRotated(address indexed patient, bytes32 previousKey, bytes32 newKey);
    /// @notice `patient` erased its registration.
    event PatientDeregistered(address indexed patient);

    /// @notice Whether `account` is a registered patient.
    function isPatient(address account) external view returns (bool);

    /// @notice The X25519 public key of `patient`; reverts for an unregistered account.
    function encryptionKeyOf(address patient) external view returns (bytes32);

    /**
     * @notice The number of `patient`'s current registration: 1 after its first {register}, one more after every
     * later one; 0 while the account is not registered (never, or deregistered). Anything bound to a registration
     * (patient-wide consents, the emergency delegate) ends with it and does not come back with the next one.
     */
    function registrationOf(address patient) external view returns (uint64);
}
