import hre, { ethers } from "hardhat";
import { parseEther, Wallet, type Signer } from "ethers";
import { evmContractDeployer, zkSyncContractDeployer, type ContractDeployer } from "../../deploy/contract-deployer";

/**
 * The contract deployer for the network the tests run on: plain ethers on the in-process Hardhat chain,
 * hardhat-zksync's Deployer (zksolc artifacts, first configured key) on networks with `zksync: true`.
 */
export async function testContractDeployer(signer: Signer): Promise<ContractDeployer> {
  if (hre.network.zksync === true) {
    const [key] = hre.network.config.accounts as string[];
    return zkSyncContractDeployer(hre, key);
  }
  return evmContractDeployer((name) => hre.artifacts.readArtifact(name), signer);
}

/**
 * `count` funded signers: the network's configured accounts, topped up with new wallets funded by the first
 * one when the network has fewer (anvil-zksync has 10 rich wallets, Hardhat 20).
 */
export type TestSigner = Signer & { address: string };

export async function testSigners(count: number): Promise<TestSigner[]> {
  const configured: TestSigner[] = await ethers.getSigners();
  const signers = configured.slice(0, count);
  for (let i = signers.length; i < count; i++) {
    const wallet = Wallet.createRandom().connect(ethers.provider);
    await (await configured[0].sendTransaction({ to: wallet.address, value: parseEther("10") })).wait();
    signers.push(wallet);
  }
  return signers;
}
