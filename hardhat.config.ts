import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";

import "@matterlabs/hardhat-zksync";
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

const accounts = process.env.DEPLOYER_PRIVATE_KEY ? [process.env.DEPLOYER_PRIVATE_KEY] : [];

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
      accounts,
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
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  mocha: { timeout: 120_000, reporter: "./test/support/summary-reporter.js" },
};

export default config;
