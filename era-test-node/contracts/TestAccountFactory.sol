// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DEPLOYER_SYSTEM_CONTRACT} from "@matterlabs/zksync-contracts/contracts/system-contracts/Constants.sol";
import {IPatientRegistry} from "../../contracts/interfaces/IPatientRegistry.sol";
import {AccountFactoryBase} from "../../aa-wallets/base/AccountFactoryBase.sol";
import {ContractDeployerDouble} from "./ContractDeployerDouble.sol";

/**
 * @title TestAccountFactory
 * @notice TEST BUILD, EVM only: the production {AccountFactory} logic ({AccountFactoryBase}) calling the
 * ContractDeployer double with a plain call instead of an EraVM system call. Nothing else differs.
 */
contract TestAccountFactory is AccountFactoryBase {
    constructor(IPatientRegistry registry, bytes32 bytecodeHash) AccountFactoryBase(registry, bytecodeHash) {}

    function _deployAccount(bytes32 salt, bytes memory constructorInput) internal override returns (address) {
        return
            ContractDeployerDouble(address(DEPLOYER_SYSTEM_CONTRACT)).create2Account(
                salt,
                accountBytecodeHash,
                constructorInput,
                ContractDeployerDouble.AccountAbstractionVersion.Version1
            );
    }
}
