// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title GuardianRecovery
 * @notice Owner key, M-of-N guardians and time-locked social recovery for a patient account.
 *
 * - The owner (acting through the account itself) sets guardians; the first set applies at once, every
 *   later change waits {GUARDIAN_CHANGE_DELAY} and the owner can cancel it meanwhile.
 * - Recovery proposals are kept **per proposed owner**: several may be open at once, so one guardian's bad or
 *   mistyped proposal never blocks the others. Each guardian holds at most one vote per epoch; proposing or
 *   approving another owner moves it (the old proposal loses one approval, and is unscheduled if it drops below
 *   the threshold). A proposal that reaches `threshold` approvals is scheduled {RECOVERY_DELAY} later; anyone
 *   executes it with {executeRecovery} during the {RECOVERY_EXECUTION_WINDOW} that follows. A proposal that is
 *   not scheduled within {RECOVERY_PROPOSAL_LIFETIME} of being proposed expires; proposing the same owner again
 *   restarts it from zero approvals.
 * - An executed recovery, a change of the guardian set and the owner's {cancelRecovery} each end the current
 *   recovery epoch: every proposal and vote is keyed by the epoch, so all of them lapse at once without any loop.
 *   An executed recovery also cancels a guardian change the replaced owner had queued.
 */
abstract contract GuardianRecovery {
    /// @notice Wait between a proposal reaching the threshold and the earliest owner rotation.
    uint64 public constant RECOVERY_DELAY = 48 hours;
    /// @notice Time a proposal has, from being proposed, to reach the threshold; after it, it expires.
    uint64 public constant RECOVERY_PROPOSAL_LIFETIME = 7 days;
    /// @notice Time a scheduled proposal can be executed, from its `executeAfter`; after it, it expires.
    uint64 public constant RECOVERY_EXECUTION_WINDOW = 7 days;
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

    /**
     * @notice A recovery proposal towards one new owner in one epoch (one storage slot). `proposedAt` is zero when
     * there is none; `executeAfter` is zero until the proposal holds `threshold` approvals.
     */
    struct RecoveryProposal {
        uint64 proposedAt;
        uint64 executeAfter;
        uint8 approvals;
    }

    /// @dev A guardian's vote (one storage slot): the proposal it counts for, named by new owner and `proposedAt`.
    struct RecoveryVote {
        address newOwner;
        uint64 proposedAt;
    }

    /// @notice The key that signs the account's transactions and ERC-1271 signatures.
    address public owner;
    /// @notice Approvals needed to schedule a recovery.
    uint8 public threshold;
    /// @notice The current recovery epoch; proposals and votes of earlier epochs no longer count.
    uint32 public recoveryEpoch;
    address[] private _guardians;
    mapping(address guardian => bool) private _isGuardian;
    GuardianChange private _guardianChange;
    mapping(uint32 epoch => mapping(address newOwner => RecoveryProposal)) private _proposals;
    mapping(uint32 epoch => mapping(address guardian => RecoveryVote)) private _votes;

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
    /// @dev The new owner is zero, the current owner or the account itself.
    error InvalidNewOwner(address newOwner);
    /// @dev A live proposal towards `newOwner` exists in this epoch: approve it instead.
    error RecoveryAlreadyProposed(address newOwner);
    /// @dev Nobody proposed `newOwner` in this epoch.
    error RecoveryNotProposed(address newOwner);
    /// @dev The proposal towards `newOwner` expired at `expiredAt`; proposing it again restarts it.
    error RecoveryExpired(address newOwner, uint64 expiredAt);
    /// @dev The guardian's vote already counts for this proposal.
    error AlreadyApproved(address guardian);
    /// @dev The guardian holds no vote that counts.
    error NoRecoveryVote(address guardian);
    /// @dev The proposal towards `newOwner` lacks approvals (`executeAfter == 0`) or waits until `executeAfter`.
    error RecoveryNotReady(address newOwner, uint64 executeAfter);

    /// @notice The owner key changed (creation, recovery).
    event OwnerChanged(address indexed previousOwner, address indexed newOwner);
    /// @notice A change of guardians was proposed; it applies after `executeAfter`.
    event GuardianChangeProposed(address[] guardians, uint8 threshold, uint64 executeAfter);
    /// @notice The guardian set is now `guardians` with `threshold`.
    event GuardiansChanged(address[] guardians, uint8 threshold);
    /// @notice The owner cancelled a pending guardian change.
    event GuardianChangeCancelled();
    /// @notice `guardian` proposed `newOwner` in `epoch` (a new or restarted proposal) that expires at `expiresAt` unless scheduled.
    event RecoveryProposed(uint32 indexed epoch, address indexed guardian, address indexed newOwner, uint64 expiresAt);
    /// @notice `guardian`'s vote now counts for `newOwner`, which holds `approvals`.
    event RecoveryApproved(uint32 indexed epoch, address indexed guardian, address indexed newOwner, uint8 approvals);
    /// @notice `guardian` withdrew or moved its vote from `newOwner`, which holds `approvals` now.
    event RecoveryVoteWithdrawn(uint32 indexed epoch, address indexed guardian, address indexed newOwner, uint8 approvals);
    /// @notice The proposal towards `newOwner` reached the threshold and can be executed from `executeAfter`.
    event RecoveryScheduled(uint32 indexed epoch, address indexed newOwner, uint64 executeAfter);
    /// @notice The proposal towards `newOwner` dropped below the threshold and is no longer scheduled.
    event RecoveryUnscheduled(uint32 indexed epoch, address indexed newOwner);
    /// @notice Every proposal and vote of `epoch` was cancelled (by the owner, or by a change of guardians).
    event RecoveryCancelled(uint32 indexed epoch);
    /// @notice The proposal towards `newOwner` of `epoch` rotated the owner; every other proposal of `epoch` lapsed.
    event RecoveryExecuted(uint32 indexed epoch, address indexed previousOwner, address indexed newOwner);

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
     * @dev Reverts with {InvalidGuardians} or {InvalidThreshold}.
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

    /**
     * @notice Applies the pending guardian change once its delay has passed; callable by anyone. Ends the
     * recovery epoch: approvals counted under the old set lapse.
     * @dev Reverts with {NoGuardianChange} or {GuardianChangeNotReady}.
     */
    function applyGuardianChange() external {
        GuardianChange storage change = _guardianChange;
        if (change.executeAfter == 0) revert NoGuardianChange();
        if (block.timestamp < change.executeAfter) revert GuardianChangeNotReady(change.executeAfter);
        address[] memory newGuardians = change.guardians;
        uint8 newThreshold = change.threshold;
        delete _guardianChange;
        _setGuardians(newGuardians, newThreshold);
    }

    /// @notice Cancels the pending guardian change. Only the account itself. Reverts with {NoGuardianChange}.
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

    /**
     * @notice Proposes `newOwner` and casts the caller's vote for it, moving the caller's earlier vote if any.
     * Restarts (from zero approvals) a proposal towards `newOwner` that expired. Only a guardian.
     * @dev Reverts with {InvalidNewOwner} or {RecoveryAlreadyProposed} (a live proposal exists: approve it).
     */
    function proposeRecovery(address newOwner) external onlyGuardian {
        if (newOwner == address(0) || newOwner == owner || newOwner == address(this)) revert InvalidNewOwner(newOwner);
        uint32 epoch = recoveryEpoch;
        RecoveryProposal storage proposal = _proposals[epoch][newOwner];
        if (proposal.proposedAt != 0 && _isLive(proposal)) revert RecoveryAlreadyProposed(newOwner);
        _withdrawVote(epoch, msg.sender);
        uint64 proposedAt = uint64(block.timestamp);
        _proposals[epoch][newOwner] = RecoveryProposal({proposedAt: proposedAt, executeAfter: 0, approvals: 0});
        emit RecoveryProposed(epoch, msg.sender, newOwner, proposedAt + RECOVERY_PROPOSAL_LIFETIME);
        _castVote(epoch, newOwner, proposal);
    }

    /**
     * @notice Casts the caller's vote for the live proposal towards `newOwner`, moving its earlier vote if any.
     * Only a guardian.
     * @dev Reverts with {RecoveryNotProposed}, {RecoveryExpired} or {AlreadyApproved}.
     */
    function approveRecovery(address newOwner) external onlyGuardian {
        uint32 epoch = recoveryEpoch;
        RecoveryProposal storage proposal = _proposals[epoch][newOwner];
        if (proposal.proposedAt == 0) revert RecoveryNotProposed(newOwner);
        if (!_isLive(proposal)) revert RecoveryExpired(newOwner, _expiresAt(proposal));
        RecoveryVote memory vote = _votes[epoch][msg.sender];
        if (vote.newOwner == newOwner && vote.proposedAt == proposal.proposedAt) revert AlreadyApproved(msg.sender);
        _withdrawVote(epoch, msg.sender);
        _castVote(epoch, newOwner, proposal);
    }

    /// @notice Withdraws the caller's vote. Only a guardian. Reverts with {NoRecoveryVote}.
    function withdrawRecoveryVote() external onlyGuardian {
        uint32 epoch = recoveryEpoch;
        if (!_withdrawVote(epoch, msg.sender)) revert NoRecoveryVote(msg.sender);
        delete _votes[epoch][msg.sender];
    }

    /**
     * @notice Rotates the owner to `newOwner` once its proposal is scheduled, its delay has passed and its
     * execution window has not; anyone. Ends the epoch (every other proposal lapses) and cancels a guardian change
     * the replaced owner queued.
     * @dev Reverts with {RecoveryNotProposed}, {RecoveryExpired} or {RecoveryNotReady}.
     */
    function executeRecovery(address newOwner) external {
        uint32 epoch = recoveryEpoch;
        RecoveryProposal memory proposal = _proposals[epoch][newOwner];
        if (proposal.proposedAt == 0) revert RecoveryNotProposed(newOwner);
        if (!_isLive(proposal)) revert RecoveryExpired(newOwner, _expiresAt(proposal));
        if (proposal.executeAfter == 0 || block.timestamp < proposal.executeAfter) {
            revert RecoveryNotReady(newOwner, proposal.executeAfter);
        }
        address previousOwner = owner;
        owner = newOwner;
        recoveryEpoch = epoch + 1;
        // A guardian change queued by the replaced owner (maybe whoever stole the key) must not apply later.
        if (_guardianChange.executeAfter != 0) {
            delete _guardianChange;
            emit GuardianChangeCancelled();
        }
        emit RecoveryExecuted(epoch, previousOwner, newOwner);
        emit OwnerChanged(previousOwner, newOwner);
    }

    /**
     * @notice Cancels every recovery proposal and vote of the current epoch (there may be none). Only the account
     * itself (its current owner).
     */
    function cancelRecovery() external onlySelf {
        _endRecoveryEpoch();
    }

    /**
     * @notice The proposal towards `newOwner` in the current epoch (all zero when none) and when it expires: at
     * `proposedAt + RECOVERY_PROPOSAL_LIFETIME` while unscheduled, at `executeAfter + RECOVERY_EXECUTION_WINDOW`
     * once scheduled. It is live while `block.timestamp < expiresAt`.
     */
    function recoveryProposal(address newOwner) external view returns (RecoveryProposal memory proposal, uint64 expiresAt) {
        proposal = _proposals[recoveryEpoch][newOwner];
        expiresAt = proposal.proposedAt == 0 ? 0 : _expiresAt(proposal);
    }

    /// @notice The new owner `guardian`'s vote counts for now (zero when none, or when that proposal expired).
    function recoveryVoteOf(address guardian) external view returns (address newOwner) {
        uint32 epoch = recoveryEpoch;
        RecoveryVote memory vote = _votes[epoch][guardian];
        if (vote.newOwner == address(0)) return address(0);
        RecoveryProposal storage proposal = _proposals[epoch][vote.newOwner];
        return proposal.proposedAt == vote.proposedAt && _isLive(proposal) ? vote.newOwner : address(0);
    }

    // ------------------------------------------------------------------ internals

    function _castVote(uint32 epoch, address newOwner, RecoveryProposal storage proposal) private {
        _votes[epoch][msg.sender] = RecoveryVote({newOwner: newOwner, proposedAt: proposal.proposedAt});
        uint8 approvals = ++proposal.approvals;
        emit RecoveryApproved(epoch, msg.sender, newOwner, approvals);
        if (approvals >= threshold && proposal.executeAfter == 0) {
            uint64 executeAfter = uint64(block.timestamp) + RECOVERY_DELAY;
            proposal.executeAfter = executeAfter;
            emit RecoveryScheduled(epoch, newOwner, executeAfter);
        }
    }

    /// @dev Takes `guardian`'s vote off the proposal it counts for, if it still counts; whether it did.
    function _withdrawVote(uint32 epoch, address guardian) private returns (bool) {
        RecoveryVote memory vote = _votes[epoch][guardian];
        if (vote.newOwner == address(0)) return false;
        RecoveryProposal storage proposal = _proposals[epoch][vote.newOwner];
        if (proposal.proposedAt != vote.proposedAt || !_isLive(proposal)) return false;
        uint8 approvals = --proposal.approvals;
        emit RecoveryVoteWithdrawn(epoch, guardian, vote.newOwner, approvals);
        if (proposal.executeAfter != 0 && approvals < threshold) {
            proposal.executeAfter = 0;
            emit RecoveryUnscheduled(epoch, vote.newOwner);
        }
        return true;
    }

    function _isLive(RecoveryProposal memory proposal) private view returns (bool) {
        return block.timestamp < _expiresAt(proposal);
    }

    function _expiresAt(RecoveryProposal memory proposal) private pure returns (uint64) {
        return
            proposal.executeAfter == 0
                ? proposal.proposedAt + RECOVERY_PROPOSAL_LIFETIME
                : proposal.executeAfter + RECOVERY_EXECUTION_WINDOW;
    }

    function _endRecoveryEpoch() private {
        uint32 epoch = recoveryEpoch;
        recoveryEpoch = epoch + 1;
        emit RecoveryCancelled(epoch);
    }

    function _setGuardians(address[] memory newGuardians, uint8 newThreshold) private {
        bool hadGuardians = _guardians.length != 0;
        for (uint256 i = 0; i < _guardians.length; ++i) _isGuardian[_guardians[i]] = false;
        for (uint256 i = 0; i < newGuardians.length; ++i) _isGuardian[newGuardians[i]] = true;
        _guardians = newGuardians;
        threshold = newThreshold;
        // Votes were cast under the old set and threshold: none of them may count under the new one.
        if (hadGuardians) _endRecoveryEpoch();
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
