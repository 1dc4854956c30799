/**
 * Deploys and wires the medrec core on the network Hardhat is pointed at, then writes
 * `deployments/<network>.json`.
 *
 *   npx hardhat run deploy/deploy.ts --network localhost
 *   DEPLOYER_PRIVATE_KEY=0x… npx hardhat run deploy/deploy.ts --network zkSyncSepolia   (needs zksolc: internet)
 *
 * Role holders come from MEDREC_REGISTRAR, MEDREC_RESOLVER, MEDREC_BREAK_GLASS and MEDREC_ADMIN.
 */
import hre from "hardhat";
import { evmContractDeployer, zkSyncContractDeployer, type ContractDeployer } from "./contract-deployer";
import { deployMedrec, rolesFromEnv } from "./medrec";
import { writeDeployment } from "./deployment-file";

async function main(): Promise<void> {
  let deployer: ContractDeployer;
  let signer;
  if (hre.network.zksync === true) {
    const key = process.env.DEPLOYER_PRIVATE_KEY;
    if (!key) throw new Error("DEPLOYER_PRIVATE_KEY is required on zkSync networks");
    const zk = await import("zksync-ethers");
    signer = new zk.Wallet(key, new zk.Provider((hre.network.config as { url: string }).url));
    deployer = await zkSyncContractDeployer(hre, key);
  } else {
    [signer] = await hre.ethers.getSigners();
    deployer = evmContractDeployer((name) => hre.artifacts.readArtifact(name), signer);
  }
  const deployment = await deployMedrec(deployer, signer, rolesFromEnv());
  const file = await writeDeployment(hre.network.name, deployment);
  for (const [name, contract] of Object.entries(deployment.contracts)) console.log(`${name.padEnd(17)} ${contract.address}`);
  console.log(`chain ${deployment.chainId} · written to ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
