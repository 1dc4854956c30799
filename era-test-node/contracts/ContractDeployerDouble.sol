// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ContractDeployerDouble
 * @notice TEST DOUBLE, EVM only: the part of zkSync's ContractDeployer (0x…8006) that the account factory uses.
 * zkSync deploys by bytecode hash from code published as factory dependencies; here the creation code is
 * published with {publishCode} (the stand-in for factory deps, its hash is `keccak256(creationCode)`) and
 * deployed with EVM CREATE2, salted with the caller so that two factories never collide. Published code is kept
 * as the code of a holder contract (`0x00 ‖ creationCode`: STOP first, so it never runs), not in storage, so that
 * reading it back (every deployment and every {getNewAddressCreate2}) costs an EXTCODECOPY instead of one cold
 * SLOAD per word, which would distort the EVM gas of onboarding far beyond what zkSync charges for a bytecode hash.
 */
contract ContractDeployerDouble {
    /// @dev Mirrors `IContractDeployer.AccountAbstractionVersion`.
    enum AccountAbstractionVersion {
        None,
        Version1
    }

    mapping(bytes32 bytecodeHash => address holder) private _code;

    /// @dev No code was published under `bytecodeHash`.
    error UnknownBytecodeHash(bytes32 bytecodeHash);
    /// @dev CREATE2 failed (address taken or constructor reverted).
    error DeploymentFailed();
    /// @dev The code could not be published (too large for a holder contract).
    error PublishFailed();

    /// @notice Mirrors the real `ContractDeployed` event.
    event ContractDeployed(address indexed deployerAddress, bytes32 indexed bytecodeHash, address indexed contractAddress);

    /// @notice Publishes `creationCode`; returns its hash (the double's bytecode hash). Publishing twice is a no-op.
    function publishCode(bytes calldata creationCode) external returns (bytes32 bytecodeHash) {
        bytecodeHash = keccak256(creationCode);
        if (_code[bytecodeHash] != address(0)) return bytecodeHash;
        // init code: PUSH2 size, DUP1, PUSH1 12, PUSH1 0, CODECOPY, PUSH1 0, RETURN; then the runtime 0x00 ‖ code
        bytes memory init = bytes.concat(hex"61", bytes2(uint16(creationCode.length + 1)), hex"80600c6000396000f3", hex"00", creationCode);
        address holder;
        assembly ("memory-safe") {
            holder := create(0, add(init, 32), mload(init))
        }
        if (holder == address(0)) revert PublishFailed();
        _code[bytecodeHash] = holder;
    }

    /// @notice Deploys the code of `bytecodeHash` with constructor `input` at {getNewAddressCreate2}.
    function create2Account(
        bytes32 salt,
        bytes32 bytecodeHash,
        bytes calldata input,
        AccountAbstractionVersion
    ) external payable returns (address account) {
        bytes memory creationCode = _codeOf(bytecodeHash);
        if (creationCode.length == 0) revert UnknownBytecodeHash(bytecodeHash);
        bytes memory initCode = bytes.concat(creationCode, input);
        bytes32 effectiveSalt = keccak256(abi.encode(msg.sender, salt));
        assembly ("memory-safe") {
            account := create2(callvalue(), add(initCode, 32), mload(initCode), effectiveSalt)
        }
        if (account == address(0)) revert DeploymentFailed();
        emit ContractDeployed(msg.sender, bytecodeHash, account);
    }

    /// @notice The address {create2Account} deploys to for `sender`.
    function getNewAddressCreate2(
        address sender,
        bytes32 bytecodeHash,
        bytes32 salt,
        bytes calldata input
    ) external view returns (address) {
        bytes32 initCodeHash = keccak256(bytes.concat(_codeOf(bytecodeHash), input));
        bytes32 effectiveSalt = keccak256(abi.encode(sender, salt));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), effectiveSalt, initCodeHash)))));
    }

    /// @dev The published creation code of `bytecodeHash` (empty when unknown).
    function _codeOf(bytes32 bytecodeHash) private view returns (bytes memory code) {
        address holder = _code[bytecodeHash];
        if (holder == address(0)) return code;
        uint256 size = holder.code.length - 1;
        code = new bytes(size);
        assembly ("memory-safe") {
            extcodecopy(holder, add(code, 32), 1, size)
        }
    }
}
