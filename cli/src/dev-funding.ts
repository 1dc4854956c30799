/**
 * `--fund-from-dev-account`: on a local development chain only, the identity gets a little ETH from the node's
 * first unlocked account (`eth_accounts` + `eth_sendTransaction`), or, when the node unlocks none, from the
 * well-known Hardhat account #0 (its key is public: it is worth something on local chains only).
 * A chain is local when its id is one of {@link LOCAL_CHAIN_IDS} or the deployment's network is one of
 * {@link LOCAL_NETWORKS}; anywhere else the option is refused before anything is sent.
 *
 * @module
 */
import { Wallet, formatEther, getAddress, parseEther, type JsonRpcProvider } from "ethers";
import type { CliConfig } from "./config";
import { CliError, ExitCode } from "./errors";

/** Chain ids of local development nodes: Hardhat / anvil (31337), zkSync in-memory / era-test-node (260, 270). */
export const LOCAL_CHAIN_IDS: ReadonlySet<string> = new Set(["31337", "260", "270"]);
/** Deployment network names of local nodes (`hardhat.config.ts`). */
export const LOCAL_NETWORKS: ReadonlySet<string> = new Set(["hardhat", "localhost", "zkSyncLocal"]);
/** What `--fund-from-dev-account` sends: enough gas for a registration and many record mints on a local node. */
export const DEV_FUNDING_WEI = parseEther("0.1");
/** The private key of Hardhat's account #0 (from the public test mnemonic), the fallback sender. */
const HARDHAT_ACCOUNT_0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/** The option, as messages name it. */
export const FUND_OPTION = "--fund-from-dev-account";

/** Whether `config` is for a local development chain (by chain id, or the deployment's network name). */
export function isLocalChain(config: Pick<CliConfig, "chainId" | "deployment">): boolean {
  return LOCAL_CHAIN_IDS.has(String(config.chainId)) || (config.deployment?.network != null && LOCAL_NETWORKS.has(config.deployment.network));
}

/**
 * Refuses `--fund-from-dev-account` off a local chain.
 * @throws {CliError} `NOT_LOCAL_CHAIN` (2).
 */
export function requireLocalChain(config: Pick<CliConfig, "chainId" | "deployment">): void {
  if (!isLocalChain(config)) {
    throw new CliError(
      "NOT_LOCAL_CHAIN",
      `${FUND_OPTION} works on a local development chain only (chain id ${[...LOCAL_CHAIN_IDS].join(", ")}); chain ${config.chainId} is not one: fund the identity from a wallet of your own`,
      ExitCode.USAGE,
    );
  }
}

/** What {@link fundFromDevAccount} did. */
export interface DevFunding {
  /** Who paid: the node's first unlocked account, or Hardhat account #0. */
  from: string;
  /** The amount sent, in wei (0 when the identity already held enough). */
  amount: bigint;
  /** The funding transaction, or null when nothing was sent. */
  transactionHash: string | null;
}

/**
 * Sends {@link DEV_FUNDING_WEI} to `to` from the local node's dev account, unless `to` still holds at least half
 * of that (so running it again after some gas was spent sends nothing).
 * Call {@link requireLocalChain} first.
 * @param provider The local node.
 * @param to The identity's address.
 * @throws {CliError} `NO_DEV_ACCOUNT` (5) when the node has no unlocked account and Hardhat #0 holds no ETH;
 *   `TRANSACTION_FAILED` (5) when the transfer did not succeed.
 */
export async function fundFromDevAccount(provider: JsonRpcProvider, to: string): Promise<DevFunding> {
  const recipient = getAddress(to);
  const accounts = ((await provider.send("eth_accounts", [])) as string[]).map((account) => getAddress(account)).filter((a) => a !== recipient);
  const fallback = new Wallet(HARDHAT_ACCOUNT_0_KEY, provider);
  const from = accounts[0] ?? fallback.address;
  if ((await provider.getBalance(recipient)) >= DEV_FUNDING_WEI / 2n) return { from, amount: 0n, transactionHash: null };
  let hash: string;
  if (accounts.length > 0) {
    hash = (await provider.send("eth_sendTransaction", [{ from, to: recipient, value: `0x${DEV_FUNDING_WEI.toString(16)}` }])) as string;
  } else {
    if ((await provider.getBalance(fallback.address)) < DEV_FUNDING_WEI) {
      throw new CliError(
        "NO_DEV_ACCOUNT",
        `the node unlocks no account and Hardhat account #0 holds less than ${formatEther(DEV_FUNDING_WEI)} ETH: fund ${recipient} by hand`,
        ExitCode.REFUSED,
      );
    }
    hash = (await fallback.sendTransaction({ to: recipient, value: DEV_FUNDING_WEI })).hash;
  }
  const receipt = await provider.waitForTransaction(hash, 1, 60_000);
  if (!receipt || receipt.status !== 1) throw new CliError("TRANSACTION_FAILED", `the funding transaction ${hash} failed`, ExitCode.REFUSED);
  return { from, amount: DEV_FUNDING_WEI, transactionHash: hash };
}
