// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title GuardianRecovery
 * @notice Owner key, M-of-N guardians and time-locked social recovery for a patient account.
 *
 * - The owner (acting through the account itself) sets guardians; the first set applies at once, every
 *   later change waits {GUARDIAN_CHANGE_DELAY} and the owner can cancel it meanwhile.
 * - A guardian proposes a new owner; when `threshold` guardians approved, the recovery can be executed by
 *   anyone after {RECOVERY_DELAY}. Until then the current owner can cancel it.
 * - A change of guardians cancels a pending recovery (its approvals were counted under the old set), and an
 *   executed recovery cancels a guardian change the replaced owner had queued.
 */
abstract contract GuardianRecovery {
    /// @notice Wait between the last guardian approval and the owner rotation.
    uint64 public constant RECOVERY_DELAY = 48 hours;
    /// @notice Wait before a change of an existing guardian set takes effect.
    uint64 public constant GUARDIAN_CHANGE_DELAY = 48 hours;
    /// @notice Largest guardian set.
    uint256 public constant MAX_GUARDIANS = 16;

    /// @dev A pending change of the guardian set.
    struct GuardianChange {
        address[] guardians;
        uint8 threshold;
        uint64 executeAfter;
    }

    /// @dev A pending recovery. `executeAfter` is zero until the threshold is reached.
    struct Recovery {
        address newOwner;
        uint64 executeAfter;
        uint8 approvals;
        uint32 round;
    }

    /// @notice The key that signs the account's transactions and ERC-1271 signatures.
    address public owner;
    /// @notice Approvals needed to recover.
    uint8 public threshold;
    address[] private _guardians;
    mapping(address guardian => bool) private _isGuardian;
    GuardianChange private _guardianChange;
    Recovery private _recovery;
    uint32 private _lastRound;
    mapping(uint32 round => mapping(address guardian => bool)) private _approved;

    /// @dev Only the account itself (the owner acting through a validated transaction).
    error NotSelf(address caller);
    /// @dev Only a guardian.
    error NotGuardian(address caller);
    /// @dev Empty, too large, duplicated, zero or owner-containing guardian set.
    error InvalidGuardians();
    /// @dev Threshold zero or larger than the set.
    error InvalidThreshold(uint8 threshold, uint256 guardians);
    /// @dev No guardian change is pending.
    error NoGuardianChange();
    /// @dev The guardian change waits until `executeAfter`.
    error GuardianChangeNotReady(uint64 executeAfter);
    /// @dev The new owner is zero or the current owner.
    error InvalidNewOwner(address newOwner);
    /// @dev A recovery to `newOwner` is already pending.
    error RecoveryPending(address newOwner);
    /// @dev No recovery is pending.
    error NoRecovery();
    /// @dev The pending recovery is for `pendingOwner`, not the one approved.
    error RecoveryOwnerMismatch(address pendingOwner);
    /// @dev The guardian already approved this recovery.
    error AlreadyApproved(address guardian);
    /// @dev The recovery lacks approvals (`executeAfter == 0`) or waits until `executeAfter`.
    error RecoveryNotReady(uint64 executeAfter);

    /// @notice The owner key changed (creation, recovery).
    event OwnerChanged(address indexed previousOwner, address indexed newOwner);
    /// @notice A change of guardians was proposed; it applies after `executeAfter`.
    event GuardianChangeProposed(address[] guardians, uint8 threshold, uint64 executeAfter);
    /// @notice The guardian set is now `guardians` with `threshold`.
    event GuardiansChanged(address[] guardians, uint8 threshold);
    /// @notice The owner cancelled a pending guardian change.
    event GuardianChangeCancelled();
    /// @notice `guardian` opened recovery round `round` towards `newOwner`.
    event RecoveryProposed(uint32 indexed round, address indexed guardian, address indexed newOwner);
    /// @notice `guardian` approved round `round`; `approvals` so far.
    event RecoveryApproved(uint32 indexed round, address indexed guardian, uint8 approvals);
    /// @notice Round `round` reached the threshold and can be executed after `executeAfter`.
    event RecoveryScheduled(uint32 indexed round, address indexed newOwner, uint64 executeAfter);
    /// @notice Round `round` was cancelled (by the owner, or by a guardian change).
    event RecoveryCancelled(uint32 indexed round);
    /// @notice Round `round` rotated the owner to `newOwner`.
    event RecoveryExecuted(uint32 indexed round, address indexed previousOwner, address indexed newOwner);

    modifier onlySelf() {
        if (msg.sender != address(this)) revert NotSelf(msg.sender);
        _;
    }

    modifier onlyGuardian() {
        if (!_isGuardian[msg.sender]) revert NotGuardian(msg.sender);
        _;
    }

    constructor(address initialOwner) {
        if (initialOwner == address(0)) revert InvalidNewOwner(initialOwner);
        owner = initialOwner;
        emit OwnerChanged(address(0), initialOwner);
    }

    // ------------------------------------------------------------------ guardians

    /**
     * @notice Proposes `guardians` with `newThreshold`. Applies at once when the account has no guardians yet,
     * otherwise after {GUARDIAN_CHANGE_DELAY} through {applyGuardianChange}. Only the account itself.
     */
    function proposeGuardians(address[] calldata newGuardians, uint8 newThreshold) external onlySelf {
        _validateGuardianSet(newGuardians, newThreshold);
        if (_guardians.length == 0) {
            _setGuardians(newGuardians, newThreshold);
            return;
        }
        uint64 executeAfter = uint64(block.timestamp) + GUARDIAN_CHANGE_DELAY;
        _guardianChange = GuardianChange({guardians: newGuardians, threshold: newThreshold, executeAfter: executeAfter});
        emit GuardianChangeProposed(newGuardians, newThreshold, executeAfter);
    }

    /// @notice Applies the pending guardian change once its delay has passed; callable by anyone.
    function applyGuardianChange() external {
        GuardianChange storage change = _guardianChange;
        if (change.executeAfter == 0) revert NoGuardianChange();
        if (block.timestamp < change.executeAfter) revert GuardianChangeNotReady(change.executeAfter);
        address[] memory newGuardians = change.guardians;
        uint8 newThreshold = change.threshold;
        delete _guardianChange;
        _setGuardians(newGuardians, newThreshold);
    }

    /// @notice Cancels the pending guardian change. Only the account itself.
    function cancelGuardianChange() external onlySelf {
        if (_guardianChange.executeAfter == 0) revert NoGuardianChange();
        delete _guardianChange;
        emit GuardianChangeCancelled();
    }

    /// @notice The current guardians.
    function guardians() external view returns (address[] memory) {
        return _guardians;
    }

    /// @notice Whether `account` is a current guardian.
    function isGuardian(address account) external view returns (bool) {
        return _isGuardian[account];
    }

    /// @notice The pending guardian change (empty when none).
    function pendingGuardianChange() external view returns (GuardianChange memory) {
        return _guardianChange;
    }

    // ------------------------------------------------------------------ recovery

    /// @notice Opens a recovery towards `newOwner` and counts the caller's approval. Only a guardian.
    function proposeRecovery(address newOwner) external onlyGuardian {
        if (newOwner == address(0) || newOwner == owner) revert InvalidNewOwner(newOwner);
        if (_recovery.newOwner != address(0)) revert RecoveryPending(_recovery.newOwner);
        uint32 round = ++_lastRound;
        _recovery = Recovery({newOwner: newOwner, executeAfter: 0, approvals: 0, round: round});
        emit RecoveryProposed(round, msg.sender, newOwner);
        _approve(round);
    }

    /// @notice Approves the pending recovery towards `newOwner`. Only a guardian, once per round.
    function approveRecovery(address newOwner) external onlyGuardian {
        Recovery storage recovery = _recovery;
        if (recovery.newOwner == address(0)) revert NoRecovery();
        if (recovery.newOwner != newOwner) revert RecoveryOwnerMismatch(recovery.newOwner);
        _approve(recovery.round);
    }

    /// @notice Rotates the owner once the recovery has its approvals and its time lock has passed; anyone.
    function executeRecovery() external {
        Recovery memory recovery = _recovery;
        if (recovery.newOwner == address(0)) revert NoRecovery();
        if (recovery.executeAfter == 0 || block.timestamp < recovery.executeAfter) {
            revert RecoveryNotReady(recovery.executeAfter);
        }
        delete _recovery;
        // A guardian change queued by the replaced owner (maybe whoever stole the key) must not apply later.
        if (_guardianChange.executeAfter != 0) {
            delete _guardianChange;
            emit GuardianChangeCancelled();
        }
        address previousOwner = owner;
        owner = recovery.newOwner;
        emit RecoveryExecuted(recovery.round, previousOwner, recovery.newOwner);
        emit OwnerChanged(previousOwner, recovery.newOwner);
    }

    /// @notice Cancels the pending recovery. Only the account itself (its current owner).
    function cancelRecovery() external onlySelf {
        if (_recovery.newOwner == address(0)) revert NoRecovery();
        _cancelRecovery();
    }

    /// @notice The pending recovery (zero when none).
    function pendingRecovery() external view returns (Recovery memory) {
        return _recovery;
    }

    // ------------------------------------------------------------------ internals

    function _approve(uint32 round) private {
        if (_approved[round][msg.sender]) revert AlreadyApproved(msg.sender);
        _approved[round][msg.sender] = true;
        Recovery storage recovery = _recovery;
        uint8 approvals = ++recovery.approvals;
        emit RecoveryApproved(round, msg.sender, approvals);
        if (approvals == threshold) {
            uint64 executeAfter = uint64(block.timestamp) + RECOVERY_DELAY;
            recovery.executeAfter = executeAfter;
            emit RecoveryScheduled(round, recovery.newOwner, executeAfter);
        }
    }

    function _cancelRecovery() private {
        uint32 round = _recovery.round;
        delete _recovery;
        emit RecoveryCancelled(round);
    }

    function _setGuardians(address[] memory newGuardians, uint8 newThreshold) private {
        for (uint256 i = 0; i < _guardians.length; ++i) _isGuardian[_guardians[i]] = false;
        for (uint256 i = 0; i < newGuardians.length; ++i) _isGuardian[newGuardians[i]] = true;
        _guardians = newGuardians;
        threshold = newThreshold;
        if (_recovery.newOwner != address(0)) _cancelRecovery();
        emit GuardiansChanged(newGuardians, newThreshold);
    }

    function _validateGuardianSet(address[] calldata newGuardians, uint8 newThreshold) private view {
        uint256 count = newGuardians.length;
        if (count == 0 || count > MAX_GUARDIANS) revert InvalidGuardians();
        if (newThreshold == 0 || newThreshold > count) revert InvalidThreshold(newThreshold, count);
        for (uint256 i = 0; i < count; ++i) {
            address guardian = newGuardians[i];
            if (guardian == address(0) || guardian == owner || guardian == address(this)) revert InvalidGuardians();
            for (uint256 j = 0; j < i; ++j) if (newGuardians[j] == guardian) revert InvalidGuardians();
        }
    }
}
