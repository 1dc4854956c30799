/**
 * Deploys and wires the medrec core and the AA contracts (account factory, sponsor paymaster) on the
 * network Hardhat is pointed at, then writes `deployments/<network>.json`. On EVM networks the AA contracts
 * are the test builds over the era-test-node system doubles, which this script installs.
 *
 *   npx hardhat run deploy/deploy.ts --network localhost
 *   DEPLOYER_PRIVATE_KEY=0x… npx hardhat run deploy/deploy.ts --network zkSyncSepolia   (needs zksolc: internet)
 *
 * Role holders come from MEDREC_REGISTRAR, MEDREC_RESOLVER, MEDREC_BREAK_GLASS and MEDREC_ADMIN; the paymaster's
 * onboarding voucher signer from MEDREC_VOUCHER_SIGNER (default: the deployer).
 */
import hre from "hardhat";
import { evmContractDeployer, zkSyncContractDeployer, type ContractDeployer } from "./contract-deployer";
import { deployMedrec, rolesFromEnv } from "./medrec";
import { deployWallets } from "./aa-wallets";
import { installSystemDoubles } from "../era-test-node/bootloader/system-doubles";
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
  const wallets = await deployWallets(deployer, signer, deployment, {
    voucherSigner: process.env.MEDREC_VOUCHER_SIGNER,
    installSystemDoubles: hre.network.zksync === true ? undefined : () => installSystemDoubles(hre.ethers.provider),
  });
  const file = await writeDeployment(hre.network.name, { ...deployment, wallets });
  for (const [name, contract] of Object.entries(deployment.contracts)) console.log(`${name.padEnd(17)} ${contract.address}`);
  console.log(`${"AccountFactory".padEnd(17)} ${wallets.AccountFactory.address} (${wallets.AccountFactory.contractName})`);
  console.log(`${"SponsorPaymaster".padEnd(17)} ${wallets.SponsorPaymaster.address}`);
  console.log(`chain ${deployment.chainId} · written to ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
