// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Transaction, EIP_712_TX_TYPE} from "@matterlabs/zksync-contracts/contracts/system-contracts/libraries/TransactionHelper.sol";
import {BOOTLOADER_FORMAL_ADDRESS, NONCE_HOLDER_SYSTEM_CONTRACT} from "@matterlabs/zksync-contracts/contracts/system-contracts/Constants.sol";
import {IPaymasterFlow} from "@matterlabs/zksync-contracts/contracts/system-contracts/interfaces/IPaymasterFlow.sol";
import {AccountOps} from "../../aa-wallets/base/AccountOps.sol";

/**
 * @title EvmAccountOps
 * @notice TEST BUILD, EVM only: {AccountOps} with plain EVM calls instead of EraVM system calls. The NonceHolder
 * double sits at the real NonceHolder address; the transaction hash is the same EIP-712 hash as
 * `TransactionHelper.encodeHash` for type-113 transactions (`keccak256` instead of `EfficientCall.keccak`);
 * the fee goes to the bootloader's formal address. Only the general paymaster flow is supported.
 */
abstract contract EvmAccountOps is AccountOps {
    bytes32 private constant _DOMAIN_TYPEHASH = keccak256("EIP712Domain(string name,string version,uint256 chainId)");
    bytes32 private constant _TRANSACTION_TYPEHASH =
        keccak256(
            "Transaction(uint256 txType,uint256 from,uint256 to,uint256 gasLimit,uint256 gasPerPubdataByteLimit,uint256 maxFeePerGas,uint256 maxPriorityFeePerGas,uint256 paymaster,uint256 nonce,uint256 value,bytes data,bytes32[] factoryDeps,bytes paymasterInput)"
        );

    /// @dev Only type-113 transactions are hashed by the double.
    error UnsupportedTxType(uint256 txType);
    /// @dev Only the general paymaster flow is supported by the double.
    error UnsupportedPaymasterFlow();
    /// @dev The fee transfer to the bootloader failed.
    error FeePaymentFailed();

    function _useNonce(uint256 nonce) internal override {
        NONCE_HOLDER_SYSTEM_CONTRACT.incrementMinNonceIfEquals(nonce);
    }

    function _transactionHash(Transaction calldata transaction) internal view override returns (bytes32) {
        if (transaction.txType != EIP_712_TX_TYPE) revert UnsupportedTxType(transaction.txType);
        bytes32 structHash = keccak256(
            abi.encode(
                _TRANSACTION_TYPEHASH,
                transaction.txType,
                transaction.from,
                transaction.to,
                transaction.gasLimit,
                transaction.gasPerPubdataByteLimit,
                transaction.maxFeePerGas,
                transaction.maxPriorityFeePerGas,
                transaction.paymaster,
                transaction.nonce,
                transaction.value,
                keccak256(transaction.data),
                keccak256(abi.encodePacked(transaction.factoryDeps)),
                keccak256(transaction.paymasterInput)
            )
        );
        bytes32 domainSeparator = keccak256(abi.encode(_DOMAIN_TYPEHASH, keccak256("zkSync"), keccak256("2"), block.chainid));
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator, structHash));
    }

    function _payBootloader(Transaction calldata transaction) internal override {
        (bool paid, ) = BOOTLOADER_FORMAL_ADDRESS.call{value: transaction.maxFeePerGas * transaction.gasLimit}("");
        if (!paid) revert FeePaymentFailed();
    }

    function _processPaymasterInput(Transaction calldata transaction) internal pure override {
        if (transaction.paymasterInput.length < 4 || bytes4(transaction.paymasterInput[0:4]) != IPaymasterFlow.general.selector) {
            revert UnsupportedPaymasterFlow();
        }
    }

    function _call(address target, uint256 value, bytes calldata data) internal override {
        _plainCall(target, value, data);
    }
}
