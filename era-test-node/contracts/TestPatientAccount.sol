// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PatientAccountBase} from "../../aa-wallets/base/PatientAccountBase.sol";
import {EvmAccountOps} from "./EvmAccountOps.sol";

/**
 * @title TestPatientAccount
 * @notice TEST BUILD, EVM only: the production {PatientAccount} logic ({PatientAccountBase}) with
 * {EvmAccountOps} in place of the EraVM operations. Nothing else differs.
 */
contract TestPatientAccount is PatientAccountBase, EvmAccountOps {
    constructor(address initialOwner, address deployingFactory) PatientAccountBase(initialOwner, deployingFactory) {}
}
