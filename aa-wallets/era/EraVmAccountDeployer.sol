// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SystemContractsCaller} from "@matterlabs/zksync-contracts/contracts/system-contracts/libraries/SystemContractsCaller.sol";
import {DEPLOYER_SYSTEM_CONTRACT} from "@matterlabs/zksync-contracts/contracts/system-contracts/Constants.sol";
import {IContractDeployer} from "@matterlabs/zksync-contracts/contracts/system-contracts/interfaces/IContractDeployer.sol";
import {AccountFactoryBase} from "../base/AccountFactoryBase.sol";

/**
 * @title EraVmAccountDeployer
 * @notice The EraVM part of the factory: `create2Account` is a system call to the ContractDeployer.
 */
abstract contract EraVmAccountDeployer is AccountFactoryBase {
    function _deployAccount(bytes32 salt, bytes memory constructorInput) internal override returns (address account) {
        bytes memory result = SystemContractsCaller.systemCallWithPropagatedRevert(
            uint32(gasleft()),
            address(DEPLOYER_SYSTEM_CONTRACT),
            0,
            abi.encodeCall(
                IContractDeployer.create2Account,
                (salt, accountBytecodeHash, constructorInput, IContractDeployer.AccountAbstractionVersion.Version1)
            )
        );
        account = abi.decode(result, (address));
    }
}
