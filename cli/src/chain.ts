/**
 * The CLI's connection to the chain: a JSON-RPC provider pinned to the configured chain id and the four core
 * contracts, connected for reading (or to a signer for writing).
 *
 * @module
 */
import { fetchChainId as chainIdOf } from "../../sdk/chain/json-rpc";
import { JsonRpcProvider, Network, type ContractRunner } from "ethers";
// The factories one by one: the typechain-types index loads every contract's factory (start-up time).
import { ConsentManager__factory } from "../../sdk/chain/contracts/factories/contracts/ConsentManager__factory";
import { PatientRegistry__factory } from "../../sdk/chain/contracts/factories/contracts/PatientRegistry__factory";
import { ProviderRegistry__factory } from "../../sdk/chain/contracts/factories/contracts/ProviderRegistry__factory";
import { RecordToken__factory } from "../../sdk/chain/contracts/factories/contracts/RecordToken__factory";
import type { ConsentManager, PatientRegistry, ProviderRegistry, RecordToken } from "../../sdk/chain/contracts";
import type { CliConfig, ContractAddresses } from "./config";
import { CliError, ExitCode, registerContracts } from "./errors";

/** The core contracts, connected to one runner. */
export interface CoreContracts {
  patients: PatientRegistry;
  providers: ProviderRegistry;
  consents: ConsentManager;
  records: RecordToken;
}

/** An open connection; {@link Chain.close} it when done. */
export interface Chain {
  provider: JsonRpcProvider;
  chainId: bigint;
  addresses: ContractAddresses;
  /** The contracts, for reading. */
  contracts: CoreContracts;
  /** Stops the provider's timers. */
  close(): void;
}

/** The core contracts connected to `runner` (a provider to read, a signer to write). */
export function coreContracts(addresses: ContractAddresses, runner: ContractRunner): CoreContracts {
  return {
    patients: PatientRegistry__factory.connect(addresses.PatientRegistry, runner),
    providers: ProviderRegistry__factory.connect(addresses.ProviderRegistry, runner),
    consents: ConsentManager__factory.connect(addresses.ConsentManager, runner),
    records: RecordToken__factory.connect(addresses.RecordToken, runner),
  };
}

/**
 * `eth_chainId` of a node, with a timeout (no retry loop: a wrong URL fails fast).
 * @throws {CliError} `RPC_UNREACHABLE` (1).
 */
export async function fetchChainId(rpcUrl: string, timeoutMs = 10_000): Promise<bigint> {
  try {
    return await chainIdOf(rpcUrl, timeoutMs);
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    throw new CliError("RPC_UNREACHABLE", `cannot reach the RPC node at ${rpcUrl}: ${cause}`, ExitCode.FAILURE, undefined, { category: "unavailable" });
  }
}

/**
 * Connects to the configured chain and checks that the node serves the configured chain id.
 * @throws {CliError} `RPC_UNREACHABLE` (1) or `CHAIN_MISMATCH` (3).
 */
export async function openChain(config: CliConfig): Promise<Chain> {
  const chainId = BigInt(config.chainId);
  const served = await fetchChainId(config.rpcUrl);
  if (served !== chainId) {
    throw new CliError("CHAIN_MISMATCH", `the node at ${config.rpcUrl} serves chain ${served}, the config is for chain ${chainId}`, ExitCode.INVALID_INPUT);
  }
  const provider = new JsonRpcProvider(config.rpcUrl, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1, pollingInterval: 200 });
  registerContracts(config.contracts);
  return {
    provider,
    chainId,
    addresses: config.contracts,
    contracts: coreContracts(config.contracts, provider),
    close: () => provider.destroy(),
  };
}
