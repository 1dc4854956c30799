// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccount, ACCOUNT_VALIDATION_SUCCESS_MAGIC} from "@matterlabs/zksync-contracts/contracts/system-contracts/interfaces/IAccount.sol";
import {Transaction, TransactionHelper} from "@matterlabs/zksync-contracts/contracts/system-contracts/libraries/TransactionHelper.sol";
import {BOOTLOADER_FORMAL_ADDRESS} from "@matterlabs/zksync-contracts/contracts/system-contracts/Constants.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IPatientRegistry} from "../../contracts/interfaces/IPatientRegistry.sol";
import {AccountOps} from "./AccountOps.sol";
import {GuardianRecovery} from "./GuardianRecovery.sol";

interface IPatientRegistration {
    function register(bytes32 encryptionKey) external;
}

/**
 * @title PatientAccountBase
 * @notice A patient's zkSync native account: the owner key signs transactions (validated as the bootloader
 * asks) and ERC-1271 signatures (so consents signed through the account are accepted on-chain); calls are
 * single or batched; guardians can recover the owner key ({GuardianRecovery}). The VM-specific operations
 * are the hooks of {AccountOps}.
 */
abstract contract PatientAccountBase is IAccount, IERC1271, GuardianRecovery, AccountOps {
    /// @notice One call of a batch.
    struct Call {
        address target;
        uint256 value;
        bytes data;
    }

    /// @notice The factory that deployed the account; it may register the account as a patient once.
    address public immutable factory;

    /// @dev Only the bootloader may call this.
    error OnlyBootloader(address caller);
    /// @dev Only the factory or the account itself may call this.
    error OnlyFactoryOrSelf(address caller);
    /// @dev The signature is not 65 bytes.
    error SignatureLengthInvalid(uint256 length);
    /// @dev The signature's `s` is in the upper half of the curve order (malleable).
    error SignatureMalleable();
    /// @dev The transaction is from `from`, not from this account.
    error NotThisAccount(address from);
    /// @dev The signature was made by `recovered`, not the owner.
    error WrongSigner(address recovered);
    /// @dev The account cannot cover the transaction's value (and fee, when no paymaster pays).
    error InsufficientBalance(uint256 required, uint256 available);
    /// @dev The fee transfer to the bootloader failed.
    error BootloaderPaymentFailed();

    modifier onlyBootloader() {
        if (msg.sender != BOOTLOADER_FORMAL_ADDRESS) revert OnlyBootloader(msg.sender);
        _;
    }

    /// @param initialOwner The owner key.
    /// @param deployingFactory The factory (allowed to register the account as a patient).
    constructor(address initialOwner, address deployingFactory) GuardianRecovery(initialOwner) {
        factory = deployingFactory;
    }

    // ------------------------------------------------------------------ IAccount

    /**
     * @notice Validates a transaction for the bootloader: uses the nonce, checks the balance, and answers the
     * magic value only if the owner signed `suggestedSignedHash` (the transaction's EIP-712 hash).
     * @dev Only the bootloader. A missing or bad signature (wrong length, malleable high `s`, invalid `v`, another
     * signer, empty) does not revert: the account answers `bytes4(0)` after doing every other step, as zkSync's
     * DefaultAccount does, because the node runs this same method without a real signature to estimate the fee;
     * the bootloader rejects the transaction for the missing magic value. Reverts with {NotThisAccount} or
     * {InsufficientBalance}; the nonce holder reverts on a wrong nonce.
     */
    function validateTransaction(
        bytes32,
        bytes32 suggestedSignedHash,
        Transaction calldata transaction
    ) external payable onlyBootloader returns (bytes4 magic) {
        _requireOwnTransaction(transaction);
        _useNonce(transaction.nonce);
        uint256 required = TransactionHelper.totalRequiredBalance(transaction);
        if (required > address(this).balance) revert InsufficientBalance(required, address(this).balance);
        bytes32 hash = suggestedSignedHash == bytes32(0) ? _transactionHash(transaction) : suggestedSignedHash;
        magic = _isOwnerSignature(hash, transaction.signature) ? ACCOUNT_VALIDATION_SUCCESS_MAGIC : bytes4(0);
    }

    /// @notice Executes a validated transaction. Only the bootloader.
    function executeTransaction(bytes32, bytes32, Transaction calldata transaction) external payable onlyBootloader {
        _call(address(uint160(transaction.to)), transaction.value, transaction.data);
    }

    /**
     * @notice Executes a transaction signed by the owner, submitted by anyone outside the bootloader flow.
     * @dev Checks that the transaction is this account's (`from`), uses the nonce and checks the signature over
     * the transaction's own EIP-712 hash. Unlike {validateTransaction} it reverts on a bad signature:
     * {SignatureLengthInvalid}, {SignatureMalleable} (high `s`), {WrongSigner} (also for an invalid `v`: nothing is
     * recovered); and with {NotThisAccount}; the nonce holder reverts on a wrong nonce.
     */
    function executeTransactionFromOutside(Transaction calldata transaction) external payable {
        _requireOwnTransaction(transaction);
        _useNonce(transaction.nonce);
        _requireOwnerSignature(_transactionHash(transaction), transaction.signature);
        _call(address(uint160(transaction.to)), transaction.value, transaction.data);
    }

    /// @notice Pays the bootloader for a transaction no paymaster sponsors. Only the bootloader.
    function payForTransaction(bytes32, bytes32, Transaction calldata transaction) external payable onlyBootloader {
        _payBootloader(transaction);
    }

    /// @notice Prepares a paymaster-sponsored transaction (the general flow needs nothing). Only the bootloader.
    function prepareForPaymaster(bytes32, bytes32, Transaction calldata transaction) external payable onlyBootloader {
        _processPaymasterInput(transaction);
    }

    // ------------------------------------------------------------------ calls

    /// @notice Runs `calls` in order, all or nothing (onboarding in one transaction). Only the account itself.
    function executeBatch(Call[] calldata calls) external onlySelf {
        for (uint256 i = 0; i < calls.length; ++i) _call(calls[i].target, calls[i].value, calls[i].data);
    }

    /**
     * @notice Registers the account in `registry` as a patient with `encryptionKey`.
     * @dev Only the deploying factory (onboarding in the deployment transaction) or the account itself.
     */
    function registerAsPatient(IPatientRegistry registry, bytes32 encryptionKey) external {
        if (msg.sender != factory && msg.sender != address(this)) revert OnlyFactoryOrSelf(msg.sender);
        IPatientRegistration(address(registry)).register(encryptionKey);
    }

    // ------------------------------------------------------------------ ERC-1271

    /**
     * @notice ERC-1271: whether `signature` is the owner's signature of `hash`. Never reverts; answers
     * `0xffffffff` for any malformed, malleable or foreign signature.
     */
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        return _isOwnerSignature(hash, signature) ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }

    /// @notice Accepts ETH (top-ups, refunds).
    receive() external payable {}

    /// @dev A transaction signed for another account of the same owner must not run here.
    function _requireOwnTransaction(Transaction calldata transaction) private view {
        address from = address(uint160(transaction.from));
        if (from != address(this)) revert NotThisAccount(from);
    }

    /// @dev Whether `signature` is the owner's 65-byte, low-`s` ECDSA signature of `hash`; never reverts.
    function _isOwnerSignature(bytes32 hash, bytes calldata signature) private view returns (bool) {
        (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(hash, signature);
        return error == ECDSA.RecoverError.NoError && recovered == owner;
    }

    /// @dev Reverts unless {_isOwnerSignature}, naming what is wrong.
    function _requireOwnerSignature(bytes32 hash, bytes calldata signature) private view {
        (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(hash, signature);
        if (error == ECDSA.RecoverError.InvalidSignatureLength) revert SignatureLengthInvalid(signature.length);
        if (error != ECDSA.RecoverError.NoError && error != ECDSA.RecoverError.InvalidSignature) revert SignatureMalleable();
        if (recovered != owner || recovered == address(0)) revert WrongSigner(recovered);
    }
}
