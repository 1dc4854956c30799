// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @dev Participants that are not patients: providers, labs, insurers, researchers and key resolvers.
 */
interface IProviderRegistry {
    /// @dev What a participant is. `None` marks an unknown address.
    enum Kind {
        None,
        Provider,
        Lab,
        Insurer,
        Researcher,
        Resolver
    }

    /// @dev One participant, packed in two slots.
    struct Participant {
        Kind kind;
        bool suspended;
        uint64 registeredAt;
        bytes32 encryptionKey;
        bytes32 metadataHash;
    }

    /// @dev The address is already a participant.
    error ParticipantAlreadyRegistered(address account);
    /// @dev The address is not a participant.
    error ParticipantNotRegistered(address account);
    /// @dev `Kind.None` was given.
    error InvalidKind();
    /// @dev The zero address was given.
    error InvalidAccount();
    /// @dev An encryption key of zero bytes was given.
    error InvalidEncryptionKey();
    /// @dev The participant is already suspended.
    error ParticipantAlreadySuspended(address account);
    /// @dev The participant is not suspended.
    error ParticipantNotSuspended(address account);

    /// @notice `account` joined as `kind`.
    event ParticipantRegistered(address indexed account, Kind indexed kind, bytes32 encryptionKey, bytes32 metadataHash);
    /// @notice `account` was suspended by `registrar` for the reason whose hash is `reasonHash`.
    event ParticipantSuspended(address indexed account, address indexed registrar, bytes32 reasonHash);
    /// @notice `account` was reinstated by `registrar`.
    event ParticipantReinstated(address indexed account, address indexed registrar);
    /// @notice `account` replaced its X25519 public key.
    event ParticipantEncryptionKeyRotated(address indexed account, bytes32 previousKey, bytes32 newKey);
    /// @notice The metadata document (licence, DID document) of `account` changed.
    event ParticipantMetadataUpdated(address indexed account, bytes32 metadataHash);

    /// @notice Whether `account` is a registered, unsuspended participant of kind `kind`.
    function isActive(address account, Kind kind) external view returns (bool);

    /// @notice The kind of `account` if it is registered and not suspended, `Kind.None` otherwise.
    function activeKindOf(address account) external view returns (Kind);
}
