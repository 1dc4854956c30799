// `@medrec/sdk` → the SDK's TypeScript sources for everything Hardhat runs (tests, scripts); see the file.
import "./sdk/dev/source-resolution.cjs";
import fs from "node:fs";
import path from "node:path";
import { subtask } from "hardhat/config";
import {
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  TASK_COMPILE_SOLIDITY_GET_SOURCE_PATHS,
} from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";

import "@matterlabs/hardhat-zksync";
import { richWallets } from "@matterlabs/hardhat-zksync-deploy/dist/rich-wallets";
import "@nomicfoundation/hardhat-ethers";
import "@nomicfoundation/hardhat-chai-matchers";
import "@typechain/hardhat";

/** The one Solidity version of the project; the `solc` npm package is pinned to the same. */
const SOLC_VERSION = "0.8.28";

// Compile offline with the solc-js build shipped in the `solc` npm package instead of letting
// Hardhat download a native compiler. zkSync networks keep the plugin's own zksolc path.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, hre, runSuper) => {
  if (hre.network.zksync === true) return runSuper(args);
  const solcPackage = require("solc/package.json") as { version: string };
  if (args.solcVersion !== solcPackage.version) {
    throw new Error(
      `solidity.version ${args.solcVersion} differs from the pinned solc npm package ${solcPackage.version}`,
    );
  }
  const solc = require("solc") as { version(): string };
  return {
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
    version: args.solcVersion,
    longVersion: solc.version(),
  };
});

/** Solidity files below `dir` (relative to this file), as absolute paths. */
function solidityFilesIn(dir: string): string[] {
  const root = path.join(__dirname, dir);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".sol"))
    .map((file) => path.join(root, file));
}

/**
 * The production zkSync account and factory and their EraVM operations (`aa-wallets/era/`). They use zkSync
 * system calls and the system TransactionHelper, which only zksolc compiles (solc: stack too deep), so EVM
 * builds leave them out and build the test doubles of `era-test-node/contracts/` instead.
 */
const ERAVM_ONLY = [path.join("aa-wallets", "era") + path.sep, "aa-wallets/PatientAccount.sol", "aa-wallets/AccountFactory.sol"];

// Hardhat 2 has one sources folder (`contracts/`); the zkSync AA contracts live in `aa-wallets/` and the EVM
// doubles of zkSync system contracts in `era-test-node/contracts/` (EVM builds only, never zksolc).
subtask(TASK_COMPILE_SOLIDITY_GET_SOURCE_PATHS, async (args, hre, runSuper) => {
  const sources: string[] = await runSuper(args);
  if (hre.network.zksync === true) return [...sources, ...solidityFilesIn("aa-wallets")];
  const isEraVmOnly = (file: string) =>
    ERAVM_ONLY.some((entry) => path.relative(__dirname, file).startsWith(entry.split("/").join(path.sep)));
  const portable = solidityFilesIn("aa-wallets").filter((file) => !isEraVmOnly(file));
  return [...sources, ...portable, ...solidityFilesIn("era-test-node/contracts")];
});

const accounts = process.env.DEPLOYER_PRIVATE_KEY ? [process.env.DEPLOYER_PRIVATE_KEY] : [];
/** anvil-zksync / era-test-node's pre-funded test wallets (public keys shipped with hardhat-zksync-deploy). */
const localZkSyncAccounts = process.env.DEPLOYER_PRIVATE_KEY ? accounts : richWallets.map((wallet) => wallet.privateKey);

const config: HardhatUserConfig = {
  defaultNetwork: "hardhat",
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
    },
  },
  // Used only on networks with `zksync: true`; needs internet to fetch zksolc (never run in CI).
  zksolc: {
    version: "1.5.15",
    settings: {
      optimizer: { enabled: true, mode: "3" },
    },
  },
  paths: {
    sources: "./contracts",
    tests: "./test",
    cache: "./cache",
    artifacts: "./artifacts",
  },
  networks: {
    hardhat: { zksync: false },
    localhost: { url: process.env.LOCAL_RPC_URL ?? "http://127.0.0.1:8545", zksync: false },
    zkSyncLocal: {
      url: process.env.ZKSYNC_RPC_URL ?? "http://127.0.0.1:8011",
      ethNetwork: "http://127.0.0.1:8545",
      zksync: true,
      accounts: localZkSyncAccounts,
    },
    zkSyncSepolia: {
      url: process.env.ZKSYNC_SEPOLIA_RPC_URL ?? "https://sepolia.era.zksync.dev",
      ethNetwork: "sepolia",
      zksync: true,
      accounts,
    },
    zkSyncMainnet: {
      url: process.env.ZKSYNC_MAINNET_RPC_URL ?? "https://mainnet.era.zksync.io",
      ethNetwork: "mainnet",
      zksync: true,
      accounts,
    },
  },
  typechain: { outDir: "sdk/chain/contracts", target: "ethers-v6" },
  mocha: { timeout: 120_000, reporter: "./test/support/summary-reporter.js" },
};

export default config;
