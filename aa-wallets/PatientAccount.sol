// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PatientAccountBase} from "./base/PatientAccountBase.sol";
import {EraVmAccountOps} from "./era/EraVmAccountOps.sol";

/**
 * @title PatientAccount
 * @notice The patient's smart wallet on zkSync Era (native account abstraction): {PatientAccountBase} with
 * the EraVM operations of {EraVmAccountOps}. Deployed by {AccountFactory} through the ContractDeployer.
 */
contract PatientAccount is PatientAccountBase, EraVmAccountOps {
    /// @param initialOwner The owner key.
    /// @param deployingFactory The factory that deploys the account.
    constructor(address initialOwner, address deployingFactory) PatientAccountBase(initialOwner, deployingFactory) {}
}
