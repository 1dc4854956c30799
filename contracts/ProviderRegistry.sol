// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";

/**
 * @title ProviderRegistry
 * @notice The registrar-governed list of providers, labs, insurers, researchers and key resolvers, each with
 * an X25519 encryption key and the hash of a metadata document (licence, DID document). A suspended
 * participant loses every access at once: consents check {isActive} whenever they are used.
 */
contract ProviderRegistry is AccessControl, IProviderRegistry {
    /// @notice Role that registers, suspends and reinstates participants.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    mapping(address account => Participant) private _participants;

    /// @param admin Holder of `DEFAULT_ADMIN_ROLE`, which grants and revokes `REGISTRAR_ROLE`.
    constructor(address admin) {
        if (admin == address(0)) revert InvalidAccount();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /**
     * @notice Registers `account` as a participant of kind `kind`.
     * @dev Only `REGISTRAR_ROLE`. Reverts with {InvalidAccount}, {InvalidKind}, {InvalidEncryptionKey} or
     * {ParticipantAlreadyRegistered}.
     */
    function register(
        address account,
        Kind kind,
        bytes32 encryptionKey,
        bytes32 metadataHash
    ) external onlyRole(REGISTRAR_ROLE) {
        if (account == address(0)) revert InvalidAccount();
        if (kind == Kind.None) revert InvalidKind();
        if (encryptionKey == bytes32(0)) revert InvalidEncryptionKey();
        if (_participants[account].kind != Kind.None) revert ParticipantAlreadyRegistered(account);
        _participants[account] = Participant({
            kind: kind,
            suspended: false,
            registeredAt: uint64(block.timestamp),
            encryptionKey: encryptionKey,
            metadataHash: metadataHash
        });
        emit ParticipantRegistered(account, kind, encryptionKey, metadataHash);
    }

    /**
     * @notice Suspends `account`; `reasonHash` is the hash of the reason document.
     * @dev Only `REGISTRAR_ROLE`. Reverts with {ParticipantNotRegistered} or {ParticipantAlreadySuspended}.
     */
    function suspend(address account, bytes32 reasonHash) external onlyRole(REGISTRAR_ROLE) {
        Participant storage participant = _requireRegistered(account);
        if (participant.suspended) revert ParticipantAlreadySuspended(account);
        participant.suspended = true;
        emit ParticipantSuspended(account, msg.sender, reasonHash);
    }

    /**
     * @notice Lifts the suspension of `account`.
     * @dev Only `REGISTRAR_ROLE`. Reverts with {ParticipantNotRegistered} or {ParticipantNotSuspended}.
     */
    function reinstate(address account) external onlyRole(REGISTRAR_ROLE) {
        Participant storage participant = _requireRegistered(account);
        if (!participant.suspended) revert ParticipantNotSuspended(account);
        participant.suspended = false;
        emit ParticipantReinstated(account, msg.sender);
    }

    /**
     * @notice Replaces the metadata document hash of `account`.
     * @dev Only `REGISTRAR_ROLE`. Reverts with {ParticipantNotRegistered}.
     */
    function updateMetadata(address account, bytes32 metadataHash) external onlyRole(REGISTRAR_ROLE) {
        _requireRegistered(account).metadataHash = metadataHash;
        emit ParticipantMetadataUpdated(account, metadataHash);
    }

    /**
     * @notice Replaces the caller's own X25519 public key.
     * @dev Reverts with {ParticipantNotRegistered} or {InvalidEncryptionKey}.
     */
    function rotateEncryptionKey(bytes32 newKey) external {
        Participant storage participant = _requireRegistered(msg.sender);
        if (newKey == bytes32(0)) revert InvalidEncryptionKey();
        bytes32 previousKey = participant.encryptionKey;
        participant.encryptionKey = newKey;
        emit ParticipantEncryptionKeyRotated(msg.sender, previousKey, newKey);
    }

    /// @inheritdoc IProviderRegistry
    function isActive(address account, Kind kind) external view returns (bool) {
        Participant storage participant = _participants[account];
        return kind != Kind.None && participant.kind == kind && !participant.suspended;
    }

    /// @inheritdoc IProviderRegistry
    function activeKindOf(address account) external view returns (Kind) {
        Participant storage participant = _participants[account];
        return participant.suspended ? Kind.None : participant.kind;
    }

    /// @notice The full record of `account`; `kind` is `None` for an unknown address.
    function participantOf(address account) external view returns (Participant memory) {
        return _participants[account];
    }

    function _requireRegistered(address account) private view returns (Participant storage participant) {
        participant = _participants[account];
        if (participant.kind == Kind.None) revert ParticipantNotRegistered(account);
    }
}
