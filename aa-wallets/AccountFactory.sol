// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPatientRegistry} from "../contracts/interfaces/IPatientRegistry.sol";
import {AccountFactoryBase} from "./base/AccountFactoryBase.sol";
import {EraVmAccountDeployer} from "./era/EraVmAccountDeployer.sol";

/**
 * @title AccountFactory
 * @notice Deploys {PatientAccount}s on zkSync Era. Deploy it with the account bytecode as a factory dependency.
 */
contract AccountFactory is EraVmAccountDeployer {
    /// @param registry The patient registry.
    /// @param bytecodeHash `utils.hashBytecode(PatientAccount bytecode)`.
    constructor(IPatientRegistry registry, bytes32 bytecodeHash) AccountFactoryBase(registry, bytecodeHash) {}
}
