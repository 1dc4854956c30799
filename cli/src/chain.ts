/**
 * The CLI's checks of the configured node before a client is made: it answers, and it serves the configured chain.
 *
 * @module
 */
import { chain } from "@medrec/sdk";
import type { CliConfig } from "./config";
import { CliError, ExitCode } from "./errors";

/**
 * `eth_chainId` of a node, with a timeout (no retry loop: a wrong URL fails fast).
 * @throws {CliError} `RPC_UNREACHABLE` (1).
 */
export async function fetchChainId(rpcUrl: string, timeoutMs = 10_000): Promise<bigint> {
  try {
    return await chain.fetchChainId(rpcUrl, timeoutMs);
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    throw new CliError("RPC_UNREACHABLE", `cannot reach the RPC node at ${rpcUrl}: ${cause}`, ExitCode.FAILURE, undefined, { category: "unavailable" });
  }
}

/**
 * Checks that the configured node serves the configured chain id.
 * @throws {CliError} `RPC_UNREACHABLE` (1) or `CHAIN_MISMATCH` (3).
 */
export async function checkServedChain(config: Pick<CliConfig, "rpcUrl" | "chainId">): Promise<void> {
  const served = await fetchChainId(config.rpcUrl);
  if (served !== BigInt(config.chainId)) {
    throw new CliError("CHAIN_MISMATCH", `the node at ${config.rpcUrl} serves chain ${served}, the config is for chain ${config.chainId}`, ExitCode.INVALID_INPUT);
  }
}
