// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPaymaster, ExecutionResult, PAYMASTER_VALIDATION_SUCCESS_MAGIC} from "@matterlabs/zksync-contracts/contracts/system-contracts/interfaces/IPaymaster.sol";
import {IPaymasterFlow} from "@matterlabs/zksync-contracts/contracts/system-contracts/interfaces/IPaymasterFlow.sol";
import {Transaction} from "@matterlabs/zksync-contracts/contracts/system-contracts/libraries/TransactionHelper.sol";
import {BOOTLOADER_FORMAL_ADDRESS} from "@matterlabs/zksync-contracts/contracts/system-contracts/Constants.sol";
import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

interface IAccountFactoryView {
    function accountAddress(address owner, bytes32 salt) external view returns (address);

    function createAccount(address owner, bytes32 salt, bytes32 encryptionKey) external returns (address);
}

interface IBatchingAccount {
    struct Call {
        address target;
        uint256 value;
        bytes data;
    }

    function executeBatch(Call[] calldata calls) external;
}

/**
 * @title SponsorPaymaster
 * @notice Pays the fees of patients on zkSync Era (general paymaster flow), so that a phone with no ETH can
 * act. It sponsors only:
 * - **onboarding**: a sender calling `factory.createAccount(owner = sender, salt, key)` with a one-time voucher
 *   signed by the onboarding signer (EIP-712 `Onboarding(address sender,uint256 nonce,uint64 validUntil)`). The
 *   voucher's nonce is spent in validation, and the account the call deploys (`factory.accountAddress(sender,
 *   salt)`) becomes a sponsored account. This is the only way account creation is ever sponsored;
 * - **sponsored accounts** (the ones it onboarded; not any account of the factory, not a self-registered
 *   patient) calling allow-listed (contract, selector) pairs — never the factory — (inside `executeBatch` every
 *   inner call is checked), and allow-listed calls of the account to itself;
 * and never more than {dailyGasBudget} gas per sender per UTC day, nor more than {dailySpendCap} wei of fees in
 * all per UTC day. Everything else reverts with a custom error before any payment.
 */
contract SponsorPaymaster is IPaymaster, Ownable2Step, EIP712 {
    /// @dev Gas reserved and spent by one sender on one day.
    struct Quota {
        uint64 day;
        uint64 used;
    }

    /// @dev Fees (wei) reserved and spent by all senders on one day.
    struct Spend {
        uint64 day;
        uint192 spent;
    }

    /// @notice EIP-712 type hash of an onboarding voucher.
    bytes32 public constant ONBOARDING_TYPEHASH = keccak256("Onboarding(address sender,uint256 nonce,uint64 validUntil)");

    /// @notice The factory whose `createAccount` is the onboarding call; no other call to it is ever sponsored.
    IAccountFactoryView public immutable factory;

    /// @notice Gas one sender may use per day.
    uint64 public dailyGasBudget;
    /// @notice Signs onboarding vouchers.
    address public voucherSigner;
    /// @notice Fees (wei) all sponsorships together may cost per UTC day.
    uint256 public dailySpendCap;
    Spend private _spend;
    /// @notice Allow-listed (target, selector) pairs.
    mapping(address target => mapping(bytes4 selector => bool)) public isAllowedCall;
    /// @notice Allow-listed selectors an account may call on itself (guardian management, recovery cancel).
    mapping(bytes4 selector => bool) public isAllowedSelfCall;
    /// @notice Accounts this paymaster onboarded: the only senders whose calls it sponsors.
    mapping(address account => bool) public isSponsoredAccount;
    /// @notice Voucher nonces already spent.
    mapping(uint256 nonce => bool) public isVoucherUsed;
    mapping(address sender => Quota) private _quotas;

    /// @dev Only the bootloader may call this.
    error OnlyBootloader(address caller);
    /// @dev Only the general flow is supported.
    error UnsupportedPaymasterFlow(bytes4 flow);
    /// @dev The sender is not a sponsored account, and brings no onboarding call with a voucher.
    error SenderNotSponsored(address sender);
    /// @dev The voucher is expired or not signed by the voucher signer.
    error InvalidVoucher();
    /// @dev The voucher's nonce was spent already.
    error VoucherAlreadyUsed(uint256 nonce);
    /// @dev `target.selector` is not allow-listed (calls to the factory never are).
    error CallNotSponsored(address target, bytes4 selector);
    /// @dev The factory cannot be allow-listed: account creation is sponsored through onboarding vouchers only.
    error FactoryNotAllowListable();
    /// @dev The sender would exceed its daily gas budget.
    error DailyBudgetExceeded(address sender, uint256 requested, uint256 remaining);
    /// @dev The fee would exceed what is left of today's spend cap.
    error DailySpendCapExceeded(uint256 requested, uint256 remaining);
    /// @dev The paymaster holds less than the fee.
    error InsufficientPaymasterBalance(uint256 required, uint256 available);
    /// @dev The transfer to the bootloader or the withdrawal failed.
    error TransferFailed();
    /// @dev A zero address was given.
    error ZeroAddress();

    /// @notice The paymaster paid `fee` for `sender` calling `target.selector`, reserving `gasLimit` of its budget.
    event Sponsored(address indexed sender, address indexed target, bytes4 selector, uint256 gasLimit, uint256 fee);
    /// @notice The bootloader reported the outcome: `gasCharged` stays on the budget.
    event SponsorshipSettled(address indexed sender, uint256 gasCharged, bool success);
    /// @notice `owner` spent voucher `nonce` to onboard `account`, which is sponsored from now on.
    event AccountOnboarded(address indexed account, address indexed owner, uint256 nonce);
    /// @notice After a sponsorship, less than its own fee is left of day `day`'s cap: a like transaction is now refused.
    event DailySpendCapReached(uint64 indexed day, uint256 spent, uint256 cap);
    /// @notice An allow-list entry changed.
    event AllowedCallSet(address indexed target, bytes4 indexed selector, bool allowed);
    /// @notice A self-call allow-list entry changed.
    event AllowedSelfCallSet(bytes4 indexed selector, bool allowed);
    /// @notice The daily gas budget changed.
    event DailyGasBudgetSet(uint64 budget);
    /// @notice The daily spend cap changed.
    event DailySpendCapSet(uint256 cap);
    /// @notice The voucher signer changed.
    event VoucherSignerSet(address indexed signer);
    /// @notice `from` topped the paymaster up with `amount`.
    event Deposited(address indexed from, uint256 amount);
    /// @notice The owner withdrew `amount` to `to`.
    event Withdrawn(address indexed to, uint256 amount);

    modifier onlyBootloader() {
        if (msg.sender != BOOTLOADER_FORMAL_ADDRESS) revert OnlyBootloader(msg.sender);
        _;
    }

    /**
     * @param initialOwner Manages the allow-list, budget, cap, signer and funds.
     * @param accountFactory The medrec account factory.
     * @param signer The onboarding voucher signer.
     * @param budget Gas per sender per day.
     * @param spendCap Fees (wei) of all sponsorships per day.
     */
    constructor(
        address initialOwner,
        IAccountFactoryView accountFactory,
        address signer,
        uint64 budget,
        uint256 spendCap
    ) Ownable(initialOwner) EIP712("medrec SponsorPaymaster", "1") {
        if (address(accountFactory) == address(0) || signer == address(0)) revert ZeroAddress();
        factory = accountFactory;
        voucherSigner = signer;
        dailyGasBudget = budget;
        dailySpendCap = spendCap;
        emit VoucherSignerSet(signer);
        emit DailyGasBudgetSet(budget);
        emit DailySpendCapSet(spendCap);
    }

    // ------------------------------------------------------------------ IPaymaster

    /**
     * @notice Checks the sender, the call, its budget and the day's spend cap, then pays `gasLimit * maxFeePerGas`
     * to the bootloader. An onboarding spends its voucher and marks the new account as sponsored.
     * @dev Only the bootloader. Reverts with {UnsupportedPaymasterFlow}, {SenderNotSponsored}, {InvalidVoucher},
     * {VoucherAlreadyUsed}, {CallNotSponsored}, {DailyBudgetExceeded}, {DailySpendCapExceeded} or
     * {InsufficientPaymasterBalance}; emits {DailySpendCapReached} when less than this fee is left of the cap.
     */
    function validateAndPayForPaymasterTransaction(
        bytes32,
        bytes32,
        Transaction calldata transaction
    ) external payable onlyBootloader returns (bytes4 magic, bytes memory context) {
        bytes4 flow = transaction.paymasterInput.length >= 4 ? bytes4(transaction.paymasterInput[0:4]) : bytes4(0);
        if (flow != IPaymasterFlow.general.selector) revert UnsupportedPaymasterFlow(flow);
        address sender = address(uint160(transaction.from));
        address target = address(uint160(transaction.to));
        bytes4 selector = _selector(transaction.data);

        if (isSponsoredAccount[sender]) {
            _requireSponsoredCall(sender, target, selector, transaction.data);
        } else {
            _onboard(sender, target, selector, transaction.data, transaction.paymasterInput[4:]);
        }

        uint256 gasLimit = transaction.gasLimit;
        uint64 today = _today();
        _reserveGas(sender, gasLimit, today);
        uint256 fee = gasLimit * transaction.maxFeePerGas;
        _reserveSpend(fee, today);
        if (address(this).balance < fee) revert InsufficientPaymasterBalance(fee, address(this).balance);
        (bool paid, ) = BOOTLOADER_FORMAL_ADDRESS.call{value: fee}("");
        if (!paid) revert TransferFailed();
        emit Sponsored(sender, target, selector, gasLimit, fee);
        return (PAYMASTER_VALIDATION_SUCCESS_MAGIC, abi.encode(sender, gasLimit, transaction.maxFeePerGas, today));
    }

    /**
     * @notice Gives back to the sender's budget, and to the day's spend, the gas (and its fee at `maxFeePerGas`)
     * the bootloader refunds, when still the day of the reservation. Only the bootloader.
     * @dev `maxRefundedGas` is the bootloader's upper bound of the refund (the gas left before this call).
     */
    function postTransaction(
        bytes calldata context,
        Transaction calldata,
        bytes32,
        bytes32,
        ExecutionResult txResult,
        uint256 maxRefundedGas
    ) external payable onlyBootloader {
        (address sender, uint256 reserved, uint256 maxFeePerGas, uint64 day) = abi.decode(context, (address, uint256, uint256, uint64));
        uint256 refunded = maxRefundedGas < reserved ? maxRefundedGas : reserved;
        Quota storage quota = _quotas[sender];
        if (quota.day == day) quota.used -= uint64(refunded < quota.used ? refunded : quota.used);
        Spend storage spend = _spend;
        if (spend.day == day) {
            uint256 refundedFee = refunded * maxFeePerGas;
            spend.spent -= uint192(refundedFee < spend.spent ? refundedFee : spend.spent);
        }
        emit SponsorshipSettled(sender, reserved - refunded, txResult == ExecutionResult.Success);
    }

    // ------------------------------------------------------------------ administration

    /**
     * @notice Allows or forbids sponsoring `target.selector`. Only the owner.
     * @dev Reverts with {ZeroAddress}, or {FactoryNotAllowListable} for the factory (account creation is
     * sponsored only through onboarding vouchers).
     */
    function setAllowedCall(address target, bytes4 selector, bool allowed) external onlyOwner {
        if (target == address(0)) revert ZeroAddress();
        if (target == address(factory)) revert FactoryNotAllowListable();
        isAllowedCall[target][selector] = allowed;
        emit AllowedCallSet(target, selector, allowed);
    }

    /// @notice Allows or forbids sponsoring an account's call of `selector` on itself. Only the owner.
    function setAllowedSelfCall(bytes4 selector, bool allowed) external onlyOwner {
        isAllowedSelfCall[selector] = allowed;
        emit AllowedSelfCallSet(selector, allowed);
    }

    /// @notice Sets the gas each sender may use per day. Only the owner.
    function setDailyGasBudget(uint64 budget) external onlyOwner {
        dailyGasBudget = budget;
        emit DailyGasBudgetSet(budget);
    }

    /// @notice Sets the fees (wei) all sponsorships together may cost per UTC day. Only the owner.
    function setDailySpendCap(uint256 cap) external onlyOwner {
        dailySpendCap = cap;
        emit DailySpendCapSet(cap);
    }

    /// @notice Sets the onboarding voucher signer. Only the owner. Reverts with {ZeroAddress}.
    function setVoucherSigner(address signer) external onlyOwner {
        if (signer == address(0)) revert ZeroAddress();
        voucherSigner = signer;
        emit VoucherSignerSet(signer);
    }

    /// @notice Sends `amount` of the paymaster's ETH to `to`. Only the owner. Reverts with {ZeroAddress} or {TransferFailed}.
    function withdraw(address payable to, uint256 amount) external onlyOwner {
        if (to == address(0)) revert ZeroAddress();
        emit Withdrawn(to, amount);
        (bool sent, ) = to.call{value: amount}("");
        if (!sent) revert TransferFailed();
    }

    /// @notice Tops the paymaster up.
    receive() external payable {
        emit Deposited(msg.sender, msg.value);
    }

    // ------------------------------------------------------------------ views

    /// @notice Gas `sender` has used today and may still use.
    function quotaOf(address sender) external view returns (uint256 used, uint256 remaining) {
        Quota memory quota = _quotas[sender];
        used = quota.day == _today() ? quota.used : 0;
        remaining = used >= dailyGasBudget ? 0 : dailyGasBudget - used;
    }

    /// @notice Fees (wei) all sponsorships have spent today and what is left of the cap.
    function dailySpend() external view returns (uint256 spent, uint256 remaining) {
        Spend memory spend = _spend;
        spent = spend.day == _today() ? spend.spent : 0;
        remaining = spent >= dailySpendCap ? 0 : dailySpendCap - spent;
    }

    /// @notice The EIP-712 digest a voucher signer signs for `sender`, spendable once (`nonce`) until `validUntil`.
    function voucherDigest(address sender, uint256 nonce, uint64 validUntil) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(ONBOARDING_TYPEHASH, sender, nonce, validUntil)));
    }

    // ------------------------------------------------------------------ internals

    function _requireSponsoredCall(address sender, address target, bytes4 selector, bytes calldata data) private view {
        if (target != sender) {
            if (!_isAllowedCall(target, selector)) revert CallNotSponsored(target, selector);
            return;
        }
        if (selector != IBatchingAccount.executeBatch.selector) {
            if (!isAllowedSelfCall[selector]) revert CallNotSponsored(target, selector);
            return;
        }
        IBatchingAccount.Call[] memory calls = abi.decode(data[4:], (IBatchingAccount.Call[]));
        for (uint256 i = 0; i < calls.length; ++i) {
            bytes4 inner = _selectorOf(calls[i].data);
            bool allowed = calls[i].target == sender
                ? isAllowedSelfCall[inner] && inner != IBatchingAccount.executeBatch.selector
                : _isAllowedCall(calls[i].target, inner);
            if (!allowed) revert CallNotSponsored(calls[i].target, inner);
        }
    }

    /// @dev The allow-list; the factory is never in it, whatever the mapping says ({setAllowedCall} refuses it too).
    function _isAllowedCall(address target, bytes4 selector) private view returns (bool) {
        return target != address(factory) && isAllowedCall[target][selector];
    }

    /**
     * @dev Onboarding: `factory.createAccount(sender, salt, key)` with a voucher for `sender` that is valid and
     * unspent. Spends the voucher and marks `factory.accountAddress(sender, salt)` as sponsored (deterministic, so
     * marking it before the deployment is harmless: only `sender` can own what is deployed there).
     */
    function _onboard(address sender, address target, bytes4 selector, bytes calldata data, bytes calldata flowInput) private {
        if (target != address(factory) || selector != IAccountFactoryView.createAccount.selector) {
            revert SenderNotSponsored(sender);
        }
        (address accountOwner, bytes32 salt, ) = abi.decode(data[4:], (address, bytes32, bytes32));
        if (accountOwner != sender) revert SenderNotSponsored(sender);
        uint256 nonce = _spendVoucher(sender, flowInput);
        address account = factory.accountAddress(sender, salt);
        isSponsoredAccount[account] = true;
        emit AccountOnboarded(account, sender, nonce);
    }

    /// @dev Checks the voucher `abi.encode(uint256 nonce, uint64 validUntil, bytes signature)` and spends its nonce.
    function _spendVoucher(address sender, bytes calldata flowInput) private returns (uint256 nonce) {
        bytes memory voucher = abi.decode(flowInput, (bytes));
        if (voucher.length == 0) revert SenderNotSponsored(sender);
        uint64 validUntil;
        bytes memory signature;
        (nonce, validUntil, signature) = abi.decode(voucher, (uint256, uint64, bytes));
        if (block.timestamp > validUntil) revert InvalidVoucher();
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecover(voucherDigest(sender, nonce, validUntil), signature);
        if (error != ECDSA.RecoverError.NoError || signer != voucherSigner) revert InvalidVoucher();
        if (isVoucherUsed[nonce]) revert VoucherAlreadyUsed(nonce);
        isVoucherUsed[nonce] = true;
    }

    function _reserveGas(address sender, uint256 gasLimit, uint64 today) private {
        Quota memory quota = _quotas[sender];
        uint256 used = quota.day == today ? quota.used : 0;
        uint256 remaining = used >= dailyGasBudget ? 0 : dailyGasBudget - used;
        if (gasLimit > remaining) revert DailyBudgetExceeded(sender, gasLimit, remaining);
        _quotas[sender] = Quota({day: today, used: uint64(used + gasLimit)});
    }

    function _reserveSpend(uint256 fee, uint64 today) private {
        Spend memory spend = _spend;
        uint256 spent = spend.day == today ? spend.spent : 0;
        uint256 cap = dailySpendCap;
        uint256 remaining = spent >= cap ? 0 : cap - spent;
        if (fee > remaining) revert DailySpendCapExceeded(fee, remaining);
        spent += fee;
        _spend = Spend({day: today, spent: SafeCast.toUint192(spent)});
        if (cap - spent < fee) emit DailySpendCapReached(today, spent, cap);
    }

    function _today() private view returns (uint64) {
        return uint64(block.timestamp / 1 days);
    }

    function _selector(bytes calldata data) private pure returns (bytes4) {
        return data.length >= 4 ? bytes4(data[0:4]) : bytes4(0);
    }

    function _selectorOf(bytes memory data) private pure returns (bytes4) {
        return data.length >= 4 ? bytes4(data) : bytes4(0);
    }
}
