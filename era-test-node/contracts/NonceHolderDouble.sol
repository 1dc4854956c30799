// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title NonceHolderDouble
 * @notice TEST DOUBLE, EVM only: the part of zkSync's NonceHolder system contract (0x…8003) that accounts and
 * the bootloader use — sequential per-account nonces. Installed at the real address with `hardhat_setCode`.
 */
contract NonceHolderDouble {
    mapping(address account => uint256) private _minNonce;

    /// @dev The account's next nonce is `actual`, not `expected` (the real contract's `ValueMismatch`).
    error ValueMismatch(uint256 expected, uint256 actual);

    /// @notice The next nonce of `account`.
    function getMinNonce(address account) external view returns (uint256) {
        return _minNonce[account];
    }

    /// @notice Same as {getMinNonce} for sequential nonces.
    function getRawNonce(address account) external view returns (uint256) {
        return _minNonce[account];
    }

    /// @notice Uses the caller's nonce `expected`; reverts unless it is the next one.
    function incrementMinNonceIfEquals(uint256 expected) external {
        uint256 current = _minNonce[msg.sender];
        if (current != expected) revert ValueMismatch(expected, current);
        _minNonce[msg.sender] = current + 1;
    }

    /// @notice Whether `nonce` of `account` was used.
    function isNonceUsed(address account, uint256 nonce) external view returns (bool) {
        return nonce < _minNonce[account];
    }
}
