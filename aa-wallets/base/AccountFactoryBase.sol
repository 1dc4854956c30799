// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DEPLOYER_SYSTEM_CONTRACT} from "@matterlabs/zksync-contracts/contracts/system-contracts/Constants.sol";
import {IPatientRegistry} from "../../contracts/interfaces/IPatientRegistry.sol";

interface IPatientAccountRegistration {
    function registerAsPatient(IPatientRegistry registry, bytes32 encryptionKey) external;
}

/**
 * @title AccountFactoryBase
 * @notice Deploys patient accounts at a deterministic address per (owner, salt) through zkSync's
 * ContractDeployer (`create2Account`, with the account's bytecode hash), and optionally registers the new
 * account as a patient in the same transaction. Only {_deployAccount} depends on the VM.
 */
abstract contract AccountFactoryBase {
    /// @notice The patient registry new accounts may register in.
    IPatientRegistry public immutable patientRegistry;
    /// @notice The bytecode hash of the account contract, as the ContractDeployer knows it.
    bytes32 public immutable accountBytecodeHash;

    /// @notice Accounts this factory deployed (read by the paymaster, keyed by the account).
    mapping(address account => bool) public isAccount;

    /// @dev The owner is the zero address.
    error InvalidOwner();
    /// @dev The deployer returned the zero address.
    error DeploymentFailed();

    /// @notice `account` was deployed for `owner` with `salt`; `registered` if it joined the patient registry.
    event AccountCreated(address indexed account, address indexed owner, bytes32 salt, bool registered);

    /// @param registry The patient registry.
    /// @param bytecodeHash The account's bytecode hash (zkSync: `utils.hashBytecode` of the zksolc bytecode).
    constructor(IPatientRegistry registry, bytes32 bytecodeHash) {
        patientRegistry = registry;
        accountBytecodeHash = bytecodeHash;
    }

    /**
     * @notice Deploys the account of `owner` for `salt`; when `encryptionKey` is non-zero the account also
     * registers as a patient with it, in this transaction.
     * @dev Reverts with {InvalidOwner}; the deployer reverts if the account exists already.
     * @return account The new account's address (equal to {accountAddress}).
     */
    function createAccount(address owner, bytes32 salt, bytes32 encryptionKey) external returns (address account) {
        if (owner == address(0)) revert InvalidOwner();
        account = _deployAccount(_salt(owner, salt), _constructorInput(owner));
        if (account == address(0)) revert DeploymentFailed();
        isAccount[account] = true;
        bool register = encryptionKey != bytes32(0);
        if (register) IPatientAccountRegistration(account).registerAsPatient(patientRegistry, encryptionKey);
        emit AccountCreated(account, owner, salt, register);
    }

    /// @notice The address {createAccount} deploys to for (`owner`, `salt`).
    function accountAddress(address owner, bytes32 salt) external view returns (address) {
        return
            DEPLOYER_SYSTEM_CONTRACT.getNewAddressCreate2(
                address(this),
                accountBytecodeHash,
                _salt(owner, salt),
                _constructorInput(owner)
            );
    }

    /// @dev Deploys the account through the ContractDeployer; the VM-specific part of the factory.
    function _deployAccount(bytes32 salt, bytes memory constructorInput) internal virtual returns (address);

    /// @dev Binds the salt to the owner so that nobody can take an owner's address with another key.
    function _salt(address owner, bytes32 salt) private pure returns (bytes32) {
        return keccak256(abi.encode(owner, salt));
    }

    function _constructorInput(address owner) private view returns (bytes memory) {
        return abi.encode(owner, address(this));
    }
}
