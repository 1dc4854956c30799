/**
 * The Safe v1.4.1 contracts and the break-glass Safe of a medrec deployment.
 *
 * On EVM chains the contracts are deployed from the build artifacts of the `@safe-global/safe-contracts` npm package
 * (1.4.1-build.0), whose runtime bytecode hashes equal the canonical v1.4.1 deployments that
 * `@safe-global/safe-deployments` lists ({@link verifySafeContracts} checks this on-chain). On zkSync networks
 * Safe has its own v1.4.1 deployments (zksolc builds at other addresses); they are looked up in
 * `@safe-global/safe-deployments` and only the Safe proxy is created.
 *
 * The singleton is **SafeL2**, not Safe: SafeL2 emits `SafeMultiSigTransaction` with every signed transaction's
 * parameters and signatures, so indexers and the audit trail can see who approved each break-glass call from
 * events alone, without tracing. The extra event costs a few thousand gas per call, paid only on emergencies.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { ContractFactory, HDNodeWallet, getAddress, keccak256, toUtf8Bytes, zeroPadValue, type Provider, type Signer } from "ethers";
import {
  getCompatibilityFallbackHandlerDeployment,
  getCreateCallDeployment,
  getMultiSendCallOnlyDeployment,
  getMultiSendDeployment,
  getProxyFactoryDeployment,
  getSafeL2SingletonDeployment,
  getSignMessageLibDeployment,
  getSimulateTxAccessorDeployment,
} from "@safe-global/safe-deployments";
import {
  SAFE_VERSION,
  contractNetworksFor,
  createSafe,
  safeContractAddressesOf,
  type CreatedSafe,
  type SafeContractAddresses,
  type SafeContractNetworks,
  type SafeRpc,
} from "@medrec/sdk/breakglass";
import { HARDHAT_MNEMONIC, hardhatAccountPath } from "../era-test-node/signers";

type DeploymentLookup = typeof getSafeL2SingletonDeployment;

/** The v1.4.1 contracts medrec uses: artifact path in the npm package and registry lookup (protocol-kit keys: the SDK's `SAFE_CONTRACT_KEYS`). */
export const SAFE_CONTRACTS = {
  SafeL2: { artifact: "SafeL2.sol/SafeL2", lookup: getSafeL2SingletonDeployment },
  SafeProxyFactory: { artifact: "proxies/SafeProxyFactory.sol/SafeProxyFactory", lookup: getProxyFactoryDeployment },
  MultiSend: { artifact: "libraries/MultiSend.sol/MultiSend", lookup: getMultiSendDeployment },
  MultiSendCallOnly: { artifact: "libraries/MultiSendCallOnly.sol/MultiSendCallOnly", lookup: getMultiSendCallOnlyDeployment },
  CompatibilityFallbackHandler: {
    artifact: "handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler",
    lookup: getCompatibilityFallbackHandlerDeployment,
  },
  SignMessageLib: { artifact: "libraries/SignMessageLib.sol/SignMessageLib", lookup: getSignMessageLibDeployment },
  CreateCall: { artifact: "libraries/CreateCall.sol/CreateCall", lookup: getCreateCallDeployment },
  SimulateTxAccessor: { artifact: "accessors/SimulateTxAccessor.sol/SimulateTxAccessor", lookup: getSimulateTxAccessorDeployment },
} as const satisfies Record<string, { artifact: string; lookup: DeploymentLookup }>;

/** A Safe contract medrec uses. */
export type SafeContractName = keyof typeof SAFE_CONTRACTS;
/** The contract names, in deployment order. */
export const SAFE_CONTRACT_NAMES = Object.keys(SAFE_CONTRACTS) as SafeContractName[];

/** Where one Safe contract is; transaction and block only when medrec deployed it. */
export interface SafeContractRecord {
  address: string;
  transactionHash?: string;
  blockNumber?: number;
}

/** The Safe contracts of a chain. */
export interface SafeContractsDeployment {
  version: typeof SAFE_VERSION;
  /** `npm-artifacts`: deployed here from `@safe-global/safe-contracts`; `safe-deployments`: Safe's own deployments. */
  source: "npm-artifacts" | "safe-deployments";
  contracts: Record<SafeContractName, SafeContractRecord>;
}

/** What `deployments/<network>.json` records under `safe`. */
export interface SafeDeployment extends SafeContractsDeployment {
  /** The hospital officers' Safe holding `BREAK_GLASS_ROLE`; null when `MEDREC_BREAK_GLASS` named another authority. */
  breakGlass: CreatedSafe | null;
}

/** A build artifact of `@safe-global/safe-contracts`. */
export interface SafeArtifact {
  contractName: string;
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
}

const ARTIFACTS_ROOT = path.join(
  path.dirname(require.resolve("@safe-global/safe-contracts/package.json")),
  "build",
  "artifacts",
  "contracts",
);

/** Reads the npm build artifact of `name` (ABI, creation and runtime bytecode). */
export function readSafeArtifact(name: SafeContractName): SafeArtifact {
  return JSON.parse(readFileSync(path.join(ARTIFACTS_ROOT, `${SAFE_CONTRACTS[name].artifact}.json`), "utf8")) as SafeArtifact;
}

/**
 * Deploys the eight Safe v1.4.1 contracts from the npm artifacts with plain creation transactions (EVM chains).
 * @param signer Pays for and sends the deployments.
 */
export async function deploySafeContracts(signer: Signer): Promise<SafeContractsDeployment> {
  const contracts = {} as Record<SafeContractName, SafeContractRecord>;
  for (const name of SAFE_CONTRACT_NAMES) {
    const artifact = readSafeArtifact(name);
    const contract = await new ContractFactory(artifact.abi as never, artifact.bytecode, signer).deploy();
    const receipt = await contract.deploymentTransaction()!.wait();
    if (!receipt || receipt.status !== 1) throw new Error(`deployment of ${name} failed`);
    contracts[name] = { address: await contract.getAddress(), transactionHash: receipt.hash, blockNumber: receipt.blockNumber };
  }
  return { version: SAFE_VERSION, source: "npm-artifacts", contracts };
}

/**
 * The Safe v1.4.1 contracts that Safe deployed itself on `chainId`, from `@safe-global/safe-deployments`
 * (zkSync Era mainnet 324 and Sepolia 300 have their own zksolc deployments at their own addresses).
 * @throws When the registry lists no v1.4.1 deployment of one of the contracts for that chain.
 */
export function safeContractsFromRegistry(chainId: bigint | number): SafeContractsDeployment {
  const network = BigInt(chainId).toString();
  const contracts = {} as Record<SafeContractName, SafeContractRecord>;
  for (const name of SAFE_CONTRACT_NAMES) {
    const address = SAFE_CONTRACTS[name].lookup({ version: SAFE_VERSION, network })?.networkAddresses[network];
    if (!address) throw new Error(`@safe-global/safe-deployments lists no ${name} ${SAFE_VERSION} on chain ${network}`);
    contracts[name] = { address: getAddress(address) };
  }
  return { version: SAFE_VERSION, source: "safe-deployments", contracts };
}

/** The addresses of a Safe contracts deployment, as the SDK and protocol-kit name them. */
export function safeContractAddresses(deployment: SafeContractsDeployment): SafeContractAddresses {
  return safeContractAddressesOf(deployment.contracts, (what) => new Error(`Safe deployment: ${what}`));
}

/** protocol-kit's `contractNetworks` entry for `chainId` (keyed by the decimal chain id). */
export function safeContractNetworks(chainId: bigint | number, deployment: SafeContractsDeployment): SafeContractNetworks {
  return contractNetworksFor(chainId, safeContractAddresses(deployment));
}

/** The result of {@link verifySafeContracts} for one contract. */
export interface SafeContractCheck {
  /** keccak256 of the on-chain runtime code, with the contract's own address in immutables set to the canonical one. */
  codeHash: string;
  /** The canonical v1.4.1 code hash from `@safe-global/safe-deployments`. */
  expected: string;
  matches: boolean;
}

/**
 * Checks, on an EVM chain, that each deployed contract is the canonical Safe v1.4.1: its runtime code hashes to the
 * code hash `@safe-global/safe-deployments` records for the canonical deployment. MultiSend and SimulateTxAccessor
 * keep their own address in an immutable, so that word is replaced by the canonical address before hashing.
 * @param provider Reads the code.
 * @param deployment The contracts to check.
 */
export async function verifySafeContracts(
  provider: Provider,
  deployment: SafeContractsDeployment,
): Promise<Record<SafeContractName, SafeContractCheck>> {
  const checks = {} as Record<SafeContractName, SafeContractCheck>;
  for (const name of SAFE_CONTRACT_NAMES) {
    const canonical = SAFE_CONTRACTS[name].lookup({ version: SAFE_VERSION })?.deployments.canonical;
    if (!canonical) throw new Error(`@safe-global/safe-deployments has no canonical ${name} ${SAFE_VERSION}`);
    const own = zeroPadValue(deployment.contracts[name].address, 32).slice(2).toLowerCase();
    const canonicalWord = zeroPadValue(canonical.address, 32).slice(2).toLowerCase();
    const code = (await provider.getCode(deployment.contracts[name].address)).toLowerCase().split(own).join(canonicalWord);
    const codeHash = keccak256(code);
    checks[name] = { codeHash, expected: canonical.codeHash, matches: codeHash === canonical.codeHash };
  }
  return checks;
}

/** Options of {@link deploySafe}. */
export interface DeploySafeOptions {
  /** Pays for and sends the deployment. */
  signer: Signer;
  /** The Safe contracts of the chain. */
  contracts: SafeContractsDeployment;
  owners: readonly string[];
  threshold: number;
  /** CREATE2 salt nonce; random when unset. */
  saltNonce?: string | bigint;
  /** What protocol-kit reads through; defaults to the signer's provider. */
  provider?: SafeRpc;
}

/**
 * Creates a Safe proxy with `owners` and `threshold` (protocol-kit, through `sdk/breakglass`'s `createSafe`).
 * @returns The Safe; `created` is false when it already existed at its deterministic address.
 */
export async function deploySafe(options: DeploySafeOptions): Promise<CreatedSafe> {
  const provider = options.signer.provider;
  if (!provider) throw new Error("the signer needs a provider");
  const { chainId } = await provider.getNetwork();
  return createSafe({
    signer: options.signer,
    owners: options.owners,
    threshold: options.threshold,
    saltNonce: options.saltNonce,
    contractNetworks: safeContractNetworks(chainId, options.contracts),
    provider: options.provider,
  });
}

/** Chains whose keys are public test keys: the Hardhat chain (31337) and local zkSync nodes (260, 270). */
const LOCAL_CHAIN_IDS = new Set([31337n, 260n, 270n]);
/** Salt nonce of the hospital officers' Safe: one Safe per chain and owner set, found again on a re-run. */
export const BREAK_GLASS_SALT_NONCE = BigInt(keccak256(toUtf8Bytes("medrec.break-glass.officers")));

/** The break-glass authority to set up, from the environment. */
export interface BreakGlassConfig {
  /** An existing authority named by `MEDREC_BREAK_GLASS`: no Safe is created. */
  authority?: string;
  /** Owners of the officers' Safe. */
  owners: string[];
  threshold: number;
}

/**
 * Reads `MEDREC_BREAK_GLASS` (an existing authority; no Safe is created), `MEDREC_BREAK_GLASS_OWNERS`
 * (comma-separated addresses) and `MEDREC_BREAK_GLASS_THRESHOLD` (default 2). Without owners, local chains use
 * Hardhat default accounts #6, #7 and #8 (public test keys); any other chain requires the owners to be named.
 * @param env The environment.
 * @param chainId The target chain.
 * @throws On a malformed address or threshold, or missing owners on a non-local chain.
 */
export function breakGlassConfigFromEnv(env: NodeJS.ProcessEnv, chainId: bigint): BreakGlassConfig {
  const authority = env.MEDREC_BREAK_GLASS?.trim();
  if (authority && BigInt(getAddress(authority)) !== 0n) return { authority: getAddress(authority), owners: [], threshold: 0 };
  const listed = env.MEDREC_BREAK_GLASS_OWNERS?.split(",").map((entry) => entry.trim()).filter(Boolean) ?? [];
  let owners: string[];
  if (listed.length > 0) {
    owners = listed.map((owner) => getAddress(owner));
  } else if (LOCAL_CHAIN_IDS.has(chainId)) {
    owners = [6, 7, 8].map((index) => HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, hardhatAccountPath(index)).address);
  } else {
    throw new Error(`set MEDREC_BREAK_GLASS_OWNERS (or MEDREC_BREAK_GLASS) for chain ${chainId}: test keys are only defaults on local chains`);
  }
  const rawThreshold = env.MEDREC_BREAK_GLASS_THRESHOLD?.trim();
  if (rawThreshold !== undefined && rawThreshold !== "" && !/^[1-9][0-9]*$/.test(rawThreshold)) {
    throw new Error(`MEDREC_BREAK_GLASS_THRESHOLD must be a positive integer, got ${rawThreshold}`);
  }
  return { owners, threshold: rawThreshold ? Number(rawThreshold) : 2 };
}

/** Options of {@link deployBreakGlass}. */
export interface DeployBreakGlassOptions {
  /** `zksync`: use Safe's own deployments from `@safe-global/safe-deployments`; `evm`: deploy from the npm artifacts. */
  kind: "evm" | "zksync";
  /** Where `MEDREC_BREAK_GLASS*` are read. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Sets up the Safe side of a deployment: the Safe v1.4.1 contracts (deployed on EVM chains, looked up on zkSync) and,
 * unless `MEDREC_BREAK_GLASS` names an existing authority, the hospital officers' M-of-N Safe (default 2-of-3),
 * which the caller then grants `BREAK_GLASS_ROLE` (deployMedrec's `roles.breakGlass`).
 * @param signer Pays for and sends the transactions.
 * @param options Chain kind and environment.
 * @returns The Safe contracts and the officers' Safe; null on a zkSync chain without Safe deployments when
 * `MEDREC_BREAK_GLASS` names the authority (nothing to record).
 */
export async function deployBreakGlass(signer: Signer, options: DeployBreakGlassOptions): Promise<SafeDeployment | null> {
  const provider = signer.provider;
  if (!provider) throw new Error("the signer needs a provider");
  const { chainId } = await provider.getNetwork();
  const config = breakGlassConfigFromEnv(options.env ?? process.env, chainId);
  let contracts: SafeContractsDeployment;
  if (options.kind === "zksync") {
    try {
      contracts = safeContractsFromRegistry(chainId);
      if ((await provider.getCode(contracts.contracts.SafeL2.address)) === "0x") {
        throw new Error(`no Safe ${SAFE_VERSION} at ${contracts.contracts.SafeL2.address} on chain ${chainId}`);
      }
    } catch (error) {
      if (config.authority) return null;
      throw new Error(`${error instanceof Error ? error.message : String(error)}; set MEDREC_BREAK_GLASS to an existing authority`);
    }
  } else {
    contracts = await deploySafeContracts(signer);
  }
  const breakGlass = config.authority
    ? null
    : await deploySafe({ signer, contracts, owners: config.owners, threshold: config.threshold, saltNonce: BREAK_GLASS_SALT_NONCE });
  return { ...contracts, breakGlass };
}
