// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Transaction, TransactionHelper} from "@matterlabs/zksync-contracts/contracts/system-contracts/libraries/TransactionHelper.sol";
import {SystemContractsCaller} from "@matterlabs/zksync-contracts/contracts/system-contracts/libraries/SystemContractsCaller.sol";
import {NONCE_HOLDER_SYSTEM_CONTRACT, DEPLOYER_SYSTEM_CONTRACT} from "@matterlabs/zksync-contracts/contracts/system-contracts/Constants.sol";
import {INonceHolder} from "@matterlabs/zksync-contracts/contracts/system-contracts/interfaces/INonceHolder.sol";
import {AccountOps} from "../base/AccountOps.sol";

/**
 * @title EraVmAccountOps
 * @notice {AccountOps} on EraVM (zkSync Era): the NonceHolder and ContractDeployer are reached with system
 * calls, the transaction hash and the fee come from the system `TransactionHelper`. This is the only
 * EraVM-specific code of the account; it needs zksolc and is not exercised by the offline test suite.
 */
abstract contract EraVmAccountOps is AccountOps {
    /// @dev The fee transfer to the bootloader failed.
    error FeePaymentFailed();

    function _useNonce(uint256 nonce) internal override {
        SystemContractsCaller.systemCallWithPropagatedRevert(
            uint32(gasleft()),
            address(NONCE_HOLDER_SYSTEM_CONTRACT),
            0,
            abi.encodeCall(INonceHolder.incrementMinNonceIfEquals, (nonce))
        );
    }

    function _transactionHash(Transaction calldata transaction) internal view override returns (bytes32) {
        return TransactionHelper.encodeHash(transaction);
    }

    function _payBootloader(Transaction calldata transaction) internal override {
        if (!TransactionHelper.payToTheBootloader(transaction)) revert FeePaymentFailed();
    }

    function _processPaymasterInput(Transaction calldata transaction) internal override {
        TransactionHelper.processPaymasterInput(transaction);
    }

    function _call(address target, uint256 value, bytes calldata data) internal override {
        if (target == address(DEPLOYER_SYSTEM_CONTRACT)) {
            SystemContractsCaller.systemCallWithPropagatedRevert(uint32(gasleft()), target, uint128(value), data);
            return;
        }
        _plainCall(target, value, data);
    }
}
