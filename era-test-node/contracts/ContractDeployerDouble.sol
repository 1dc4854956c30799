// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title ContractDeployerDouble
 * @notice TEST DOUBLE, EVM only: the part of zkSync's ContractDeployer (0x…8006) that the account factory uses.
 * zkSync deploys by bytecode hash from code published as factory dependencies; here the creation code is
 * published with {publishCode} (the stand-in for factory deps, its hash is `keccak256(creationCode)`) and
 * deployed with EVM CREATE2, salted with the caller so that two factories never collide.
 */
contract ContractDeployerDouble {
    /// @dev Mirrors `IContractDeployer.AccountAbstractionVersion`.
    enum AccountAbstractionVersion {
        None,
        Version1
    }

    mapping(bytes32 bytecodeHash => bytes creationCode) private _code;

    /// @dev No code was published under `bytecodeHash`.
    error UnknownBytecodeHash(bytes32 bytecodeHash);
    /// @dev CREATE2 failed (address taken or constructor reverted).
    error DeploymentFailed();

    /// @notice Mirrors the real `ContractDeployed` event.
    event ContractDeployed(address indexed deployerAddress, bytes32 indexed bytecodeHash, address indexed contractAddress);

    /// @notice Publishes `creationCode`; returns its hash (the double's bytecode hash).
    function publishCode(bytes calldata creationCode) external returns (bytes32 bytecodeHash) {
        bytecodeHash = keccak256(creationCode);
        _code[bytecodeHash] = creationCode;
    }

    /// @notice Deploys the code of `bytecodeHash` with constructor `input` at {getNewAddressCreate2}.
    function create2Account(
        bytes32 salt,
        bytes32 bytecodeHash,
        bytes calldata input,
        AccountAbstractionVersion
    ) external payable returns (address account) {
        bytes memory creationCode = _code[bytecodeHash];
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
        bytes32 initCodeHash = keccak256(bytes.concat(_code[bytecodeHash], input));
        bytes32 effectiveSalt = keccak256(abi.encode(sender, salt));
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), address(this), effectiveSalt, initCodeHash)))));
    }
}
