// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Transaction} from "@matterlabs/zksync-contracts/contracts/system-contracts/libraries/TransactionHelper.sol";

/**
 * @title AccountOps
 * @notice The only operations of a patient account that depend on the virtual machine. Production builds
 * implement them for EraVM ({EraVmAccountOps}: NonceHolder system call, bootloader payment, EfficientCall
 * hashing, system calls to the ContractDeployer); the offline test build implements them with plain EVM
 * calls to doubles of the same system contracts (`era-test-node/contracts/EvmAccountOps.sol`).
 * Everything else in the account is plain Solidity.
 */
abstract contract AccountOps {
    /// @dev Marks `nonce` as used for this account, reverting unless it is the next one.
    function _useNonce(uint256 nonce) internal virtual;

    /// @dev The EIP-712 hash of `transaction` that the owner signs (zkSync type 113).
    function _transactionHash(Transaction calldata transaction) internal view virtual returns (bytes32);

    /// @dev Pays `gasLimit * maxFeePerGas` to the bootloader; reverts if that fails.
    function _payBootloader(Transaction calldata transaction) internal virtual;

    /// @dev Prepares the account for the paymaster flow named in `transaction.paymasterInput`.
    function _processPaymasterInput(Transaction calldata transaction) internal virtual;

    /// @dev Calls `target` with `value` and `data`, bubbling up any revert.
    function _call(address target, uint256 value, bytes calldata data) internal virtual;

    /// @dev An ordinary call that bubbles up the callee's revert data; the VM-independent part of {_call}.
    function _plainCall(address target, uint256 value, bytes calldata data) internal {
        (bool success, bytes memory result) = target.call{value: value}(data);
        if (!success) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }
}
