/**
 * The demo's stage: the cast (default accounts of the local chain and a patient key holding no ETH), and the
 * deployment of everything on the chain the demo started (core, account factory, sponsor paymaster, the officers'
 * 2-of-3 Safe), written to `deployments/localhost.json` and read back as the clients' deployment.
 *
 * @module
 */
import path from "node:path";
import hre from "hardhat";
import { Wallet, ZeroAddress, formatEther, type HDNodeWallet, type JsonRpcProvider } from "ethers";
import { localChainSigners, type LocalChain } from "../era-test-node/local-chain";
import { evmContractDeployer } from "../deploy/contract-deployer";
import { CORE_CONTRACTS, deployMedrec } from "../deploy/medrec";
import { writeDeployment, type DeploymentFile } from "../deploy/deployment-file";
import { deployWallets } from "../deploy/aa-wallets";
import { deploySafe, deploySafeContracts } from "../deploy/safe";
import { installSystemDoubles } from "../era-test-node/bootloader/system-doubles";
import { say } from "./print";

/** The accounts of the story, by role (default accounts #0, #1, #3, #4, #6–#8, and a fresh key with no ETH). */
export interface Cast {
  deployer: Wallet;
  resolver: Wallet;
  patientKey: Wallet | HDNodeWallet;
  provider: Wallet;
  relayer: Wallet;
  officer1: Wallet;
  officer2: Wallet;
  officer3: Wallet;
}

/** The cast on `chain`, and an address book naming each of them. */
export function castOf(chain: LocalChain): { cast: Cast; rpc: JsonRpcProvider; book: Map<string, string> } {
  const [deployer, resolver, , provider, relayer, , officer1, officer2, officer3] = localChainSigners(chain.rpcUrl, 9);
  const rpc = deployer.provider as JsonRpcProvider;
  const cast: Cast = { deployer, resolver, patientKey: Wallet.createRandom().connect(rpc), provider, relayer, officer1, officer2, officer3 };
  const book = new Map<string, string>([[ZeroAddress, "none"]]);
  for (const [role, wallet] of Object.entries(cast)) book.set(wallet.address, role);
  return { cast, rpc, book };
}

/**
 * Deploys the core (the resolver's key holds RESOLVER_ROLE, the officers' Safe BREAK_GLASS_ROLE), the AA contracts
 * (test builds on the EVM doubles of the zkSync system contracts) and the Safe, names them in `book`, prints them.
 * @returns The deployment as written to the file (what every client of the demo is made from; kept in memory, so a
 *   second demo writing the file meanwhile changes nothing here) and the file's path.
 */
export async function deployAll(chain: LocalChain, cast: Cast, book: Map<string, string>): Promise<{ deployment: DeploymentFile; file: string }> {
  const { deployer } = cast;
  const rpc = deployer.provider as JsonRpcProvider;
  const contractDeployer = evmContractDeployer((name) => hre.artifacts.readArtifact(name), deployer);
  const safeContracts = await deploySafeContracts(deployer);
  const officers = [cast.officer1, cast.officer2, cast.officer3];
  const officersSafe = await deploySafe({ signer: deployer, contracts: safeContracts, owners: officers.map((o) => o.address), threshold: 2 });
  book.set(officersSafe.address, "break-glass Safe");
  const core = await deployMedrec(contractDeployer, deployer, { resolver: cast.resolver.address, breakGlass: officersSafe.address });
  const wallets = await deployWallets(contractDeployer, deployer, core, { installSystemDoubles: () => installSystemDoubles(rpc) });
  const full = { ...core, wallets, safe: { ...safeContracts, breakGlass: officersSafe } };
  const file = await writeDeployment("localhost", full);
  for (const name of CORE_CONTRACTS) {
    book.set(core.contracts[name].address, name);
    say(`${name.padEnd(17)} ${core.contracts[name].address}  (block ${core.contracts[name].blockNumber})`);
  }
  book.set(wallets.AccountFactory.address, "AccountFactory");
  book.set(wallets.SponsorPaymaster.address, "SponsorPaymaster");
  say(`${"AccountFactory".padEnd(17)} ${wallets.AccountFactory.address}  (test build on the EVM doubles of zkSync system contracts)`);
  say(`${"SponsorPaymaster".padEnd(17)} ${wallets.SponsorPaymaster.address}  (funded with 10 ETH; sponsors at most ${formatEther(wallets.dailySpendCap)} ETH of fees a day)`);
  say(`${"Safe v1.4.1".padEnd(17)} ${officersSafe.address}  (from the Safe npm artifacts; owners officer1–3, threshold 2)`);
  say(`roles: registrar = deployer; RESOLVER_ROLE to the resolver's key, BREAK_GLASS_ROLE to the Safe`);
  say(`deployment written to ${path.relative(process.cwd(), file)}`);
  return { deployment: { network: "localhost", deployedAt: new Date().toISOString(), ...full }, file };
}
