import { ContractFactory, type Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

/** Where and how one contract was deployed. */
export interface DeployedContract {
  address: string;
  transactionHash: string;
  blockNumber: number;
}

/**
 * Deploys a compiled contract by name. One implementation per kind of chain, so that the deploy script
 * itself is written once: plain ethers on EVM chains, hardhat-zksync's Deployer on zkSync networks.
 */
export interface ContractDeployer {
  readonly kind: "evm" | "zksync";
  /**
   * Deploys `contractName` with constructor `args`. `factoryDeps` are contract names whose bytecode must be
   * published with it (zkSync factory dependencies; ignored on EVM chains).
   */
  deploy(contractName: string, args: readonly unknown[], options?: { factoryDeps?: string[] }): Promise<DeployedContract>;
  /** The deployable bytecode of `contractName` for this kind of chain. */
  bytecodeOf(contractName: string): Promise<string>;
}

/** The artifact fields the EVM deployer needs. */
export interface EvmArtifact {
  abi: readonly unknown[];
  bytecode: string;
}

/**
 * A deployer for any EVM chain: reads the solc artifact and sends a plain creation transaction.
 * @param readArtifact Loads an artifact by contract name (for example `hre.artifacts.readArtifact`).
 * @param signer The account that pays and becomes the deployer.
 */
export function evmContractDeployer(
  readArtifact: (name: string) => Promise<EvmArtifact>,
  signer: Signer,
): ContractDeployer {
  return {
    kind: "evm",
    async bytecodeOf(contractName) {
      return (await readArtifact(contractName)).bytecode;
    },
    async deploy(contractName, args) {
      const artifact = await readArtifact(contractName);
      const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, signer);
      const contract = await factory.deploy(...args);
      const receipt = await contract.deploymentTransaction()!.wait();
      if (!receipt || receipt.status !== 1) throw new Error(`deployment of ${contractName} failed`);
      return { address: await contract.getAddress(), transactionHash: receipt.hash, blockNumber: receipt.blockNumber };
    },
  };
}

/**
 * A deployer for zkSync Era networks: hardhat-zksync's Deployer with zksolc artifacts (`artifacts-zk/`).
 * Loaded lazily so that EVM-only runs never touch the zkSync toolchain.
 * @param hre The Hardhat runtime, on a network with `zksync: true`.
 * @param privateKey The deployer's key.
 */
export async function zkSyncContractDeployer(hre: HardhatRuntimeEnvironment, privateKey: string): Promise<ContractDeployer> {
  const { Deployer } = await import("@matterlabs/hardhat-zksync-deploy");
  const zk = await import("zksync-ethers");
  const provider = new zk.Provider((hre.network.config as { url: string }).url);
  const deployer = new Deployer(hre, new zk.Wallet(privateKey, provider));
  return {
    kind: "zksync",
    async bytecodeOf(contractName) {
      return (await deployer.loadArtifact(contractName)).bytecode;
    },
    async deploy(contractName, args, options = {}) {
      const artifact = await deployer.loadArtifact(contractName);
      const deps = await Promise.all((options.factoryDeps ?? []).map(async (name) => (await deployer.loadArtifact(name)).bytecode));
      const contract = await deployer.deploy(artifact, [...args], "create", {}, deps);
      const receipt = await contract.deploymentTransaction()!.wait();
      if (!receipt || receipt.status !== 1) throw new Error(`deployment of ${contractName} failed`);
      return { address: await contract.getAddress(), transactionHash: receipt.hash, blockNumber: receipt.blockNumber };
    },
  };
}
