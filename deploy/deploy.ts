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
 *
 * Break-glass: the Safe v1.4.1 contracts are deployed from the npm artifacts (EVM) or taken from Safe's own
 * deployments (zkSync), and, unless MEDREC_BREAK_GLASS names an existing authority, a hospital officers' Safe is
 * created (owners MEDREC_BREAK_GLASS_OWNERS, comma-separated, default Hardhat accounts #6-#8 on local chains only;
 * threshold MEDREC_BREAK_GLASS_THRESHOLD, default 2) and granted BREAK_GLASS_ROLE.
 */
import hre from "hardhat";
import { evmContractDeployer, zkSyncContractDeployer, type ContractDeployer } from "./contract-deployer";
import { deployMedrec, rolesFromEnv } from "./medrec";
import { deployWallets } from "./aa-wallets";
import { installSystemDoubles } from "../era-test-node/bootloader/system-doubles";
import { writeDeployment } from "./deployment-file";
import { deployBreakGlass } from "./safe";

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
  const safe = await deployBreakGlass(signer, { kind: deployer.kind });
  const roles = rolesFromEnv();
  const deployment = await deployMedrec(deployer, signer, { ...roles, breakGlass: safe?.breakGlass?.address ?? roles.breakGlass });
  const wallets = await deployWallets(deployer, signer, deployment, {
    voucherSigner: process.env.MEDREC_VOUCHER_SIGNER,
    installSystemDoubles: hre.network.zksync === true ? undefined : () => installSystemDoubles(hre.ethers.provider),
  });
  const file = await writeDeployment(hre.network.name, { ...deployment, wallets, safe: safe ?? undefined });
  for (const [name, contract] of Object.entries(deployment.contracts)) console.log(`${name.padEnd(17)} ${contract.address}`);
  console.log(`${"AccountFactory".padEnd(17)} ${wallets.AccountFactory.address} (${wallets.AccountFactory.contractName})`);
  console.log(`${"SponsorPaymaster".padEnd(17)} ${wallets.SponsorPaymaster.address}`);
  if (safe) console.log(`${"Safe singleton".padEnd(17)} ${safe.contracts.SafeL2.address} (SafeL2 ${safe.version}, ${safe.source})`);
  if (safe?.breakGlass) {
    const { address, threshold, owners } = safe.breakGlass;
    console.log(`${"Break-glass Safe".padEnd(17)} ${address} (${threshold}-of-${owners.length}, holds BREAK_GLASS_ROLE)`);
  }
  console.log(`chain ${deployment.chainId} · written to ${file}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
