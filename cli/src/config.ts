/**
 * The CLI's home folder and its `config.json`: the chain (RPC URL, chain id), the deployment (contract addresses,
 * start block, and the Safe contracts when the deployment has them) and where the local stores live (Helia store, key store of wrapped record keys, identity).
 *
 * The home is `--home`, else `MEDREC_HOME`, else `.medrec` in the current folder. Nothing secret is in the
 * config; the identity's keys are in `<home>/identity/`, encrypted (see `identity.ts`).
 *
 * @module
 */
import { chmod, mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { getAddress, isAddress } from "ethers";
import type { DeploymentFile } from "../../deploy/deployment-file";
import { files } from "@medrec/sdk";
import { CliError, ExitCode } from "./errors";
import { checkSafeConfig, safeConfigFromDeployment, type CliSafeConfig } from "./safe-config";

/** The config file inside the home folder. */
export const CONFIG_FILE = "config.json";
/** Default home folder name (in the current folder). */
export const DEFAULT_HOME = ".medrec";

/** The core contracts the CLI talks to. */
export const CONTRACT_NAMES = ["PatientRegistry", "ProviderRegistry", "ConsentManager", "RecordToken"] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];
export type ContractAddresses = Record<ContractName, string>;

/** What `<home>/config.json` holds. */
export interface CliConfig {
  version: 1;
  /** JSON-RPC endpoint of the chain. */
  rpcUrl: string;
  /** Chain id, decimal, as the node reported it at `init`. */
  chainId: string;
  /** The deployment file the addresses were read from (absolute) and its network name. */
  deployment: { file: string; network: string | null };
  /** Checksummed addresses of the core contracts. */
  contracts: ContractAddresses;
  /** First block of the deployment: event queries start here. */
  startBlock: number;
  /** Folder of the embedded Helia store (ciphertext). */
  ipfs: string;
  /** Folder of the key store (wrapped record keys). */
  keys: string;
  /** Folder of the identity (encrypted Ethereum keystore and X25519 key). */
  identity: string;
  /** The Safe v1.4.1 contracts and the officers' Safe (break-glass), when the deployment file had them. */
  safe?: CliSafeConfig;
  /** Where consent documents go (see `consent-store.ts`); absent: the embedded Ceramic daemon of the home. */
  ceramic?: CliCeramicConfig;
}

/** The Ceramic setting of a config: no documents, or a node of one's own with its MedrecConsent model. */
export type CliCeramicConfig = { enabled: false } | { enabled: true; url: string; modelId: string };

/**
 * The home folder: `--home`, else `MEDREC_HOME`, else `.medrec` in `cwd`; absolute.
 * @param option The `--home` option, when given.
 */
export function resolveHome(option?: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const chosen = option ?? (env.MEDREC_HOME && env.MEDREC_HOME.length > 0 ? env.MEDREC_HOME : DEFAULT_HOME);
  return path.resolve(cwd, chosen);
}

/** The deployment facts the CLI keeps. */
export interface DeploymentInfo {
  file: string;
  network: string | null;
  chainId: number | null;
  contracts: ContractAddresses;
  startBlock: number;
  /** The deployment's `safe` section, when it has one. */
  safe?: CliSafeConfig;
}

/**
 * Reads a deployment file (`deployments/<network>.json` as `deploy/deploy.ts` writes it).
 * @param file Path of the file.
 * @throws {CliError} `DEPLOYMENT_NOT_FOUND` (4) or `DEPLOYMENT_INVALID` (3).
 */
export async function readDeploymentFile(file: string): Promise<DeploymentInfo> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new CliError("DEPLOYMENT_NOT_FOUND", `no deployment file at ${absolute}`, ExitCode.NOT_FOUND);
    }
    throw error;
  }
  let parsed: Partial<DeploymentFile>;
  try {
    parsed = JSON.parse(text) as Partial<DeploymentFile>;
  } catch {
    throw new CliError("DEPLOYMENT_INVALID", `${absolute} is not JSON`, ExitCode.INVALID_INPUT);
  }
  const invalid = (what: string) => new CliError("DEPLOYMENT_INVALID", `${absolute}: ${what}`, ExitCode.INVALID_INPUT);
  if (parsed === null || typeof parsed !== "object" || typeof parsed.contracts !== "object" || parsed.contracts === null) {
    throw invalid("no contracts");
  }
  const contracts = {} as ContractAddresses;
  for (const name of CONTRACT_NAMES) {
    const address = (parsed.contracts as Record<string, { address?: unknown } | undefined>)[name]?.address;
    if (typeof address !== "string" || !isAddress(address)) throw invalid(`contracts.${name}.address is missing or not an address`);
    contracts[name] = getAddress(address);
  }
  const startBlock = parsed.startBlock ?? 0;
  if (!Number.isSafeInteger(startBlock) || startBlock < 0) throw invalid("startBlock is not a block number");
  const safe = safeConfigFromDeployment(parsed.safe, invalid);
  return {
    file: absolute,
    network: typeof parsed.network === "string" ? parsed.network : null,
    chainId: typeof parsed.chainId === "number" ? parsed.chainId : null,
    contracts,
    startBlock,
    ...(safe ? { safe } : {}),
  };
}


/** Creates a folder readable by its owner only (mode 0700). */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** Writes `<home>/config.json` (mode 0600). */
export async function writeConfig(home: string, config: CliConfig): Promise<string> {
  const file = path.join(home, CONFIG_FILE);
  await files.writePrivateFile(file, JSON.stringify(config, null, 2) + "\n");
  return file;
}

/**
 * Reads `<home>/config.json`.
 * @throws {CliError} `NOT_INITIALISED` (2) when there is none, `CONFIG_INVALID` (3) when it is malformed.
 */
export async function loadConfig(home: string): Promise<CliConfig> {
  const file = path.join(home, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new CliError("NOT_INITIALISED", `no medrec config in ${home}: run \`medrec init --rpc <url> --deployment <file>\` first`, ExitCode.USAGE);
    }
    throw error;
  }
  let config: CliConfig;
  try {
    config = JSON.parse(text) as CliConfig;
  } catch {
    throw new CliError("CONFIG_INVALID", `${file} is not JSON`, ExitCode.INVALID_INPUT);
  }
  if (config?.version !== 1 || typeof config.rpcUrl !== "string" || typeof config.contracts !== "object" || config.contracts === null) {
    throw new CliError("CONFIG_INVALID", `${file} is not a medrec config (version 1)`, ExitCode.INVALID_INPUT);
  }
  for (const name of CONTRACT_NAMES) {
    if (typeof config.contracts[name] !== "string" || !isAddress(config.contracts[name])) {
      throw new CliError("CONFIG_INVALID", `${file}: contracts.${name} is not an address`, ExitCode.INVALID_INPUT);
    }
  }
  checkSafeConfig(config.safe, file);
  return config;
}
