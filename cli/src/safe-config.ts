/**
 * The break-glass part of the CLI config: where the Safe v1.4.1 contracts are on the configured chain and which
 * Safe is the hospital officers' one. `medrec init` copies it from the deployment file's `safe` section (as
 * `deploy/deploy.ts` writes it); configs written before, or from a deployment without that section, have none, and
 * the `breakglass` commands then ask to re-run `init`.
 *
 * @module
 */
import { getAddress, isAddress } from "ethers";
import { breakglass } from "@medrec/sdk";
import { CliError, ExitCode } from "./errors";

/** What `config.json` holds under `safe`. */
export interface CliSafeConfig {
  /** The Safe contracts' version (medrec talks to `breakglass.SAFE_VERSION` only). */
  version: string;
  /** The Safe contracts of the chain, as protocol-kit names them. */
  contracts: breakglass.SafeContractAddresses;
  /** The officers' Safe holding `BREAK_GLASS_ROLE`, or null when the deployment named another authority. */
  breakGlass: string | null;
}

/**
 * Reads the `safe` section of a deployment file.
 * @param section The parsed `safe` value (absent or null: no Safe in that deployment).
 * @param invalid Makes the error for a malformed section (`what` names the field).
 * @returns The config's `safe` part, or undefined when the deployment has none.
 */
export function safeConfigFromDeployment(section: unknown, invalid: (what: string) => Error): CliSafeConfig | undefined {
  if (section === undefined || section === null) return undefined;
  if (typeof section !== "object") throw invalid("safe is not an object");
  const { version, contracts, breakGlass } = section as { version?: unknown; contracts?: unknown; breakGlass?: unknown };
  if (version !== breakglass.SAFE_VERSION) throw invalid(`safe.version is ${String(version)}; medrec talks to Safe ${breakglass.SAFE_VERSION}`);
  if (typeof contracts !== "object" || contracts === null) throw invalid("safe.contracts is missing");
  const addresses = breakglass.safeContractAddressesOf(contracts as Record<string, { address?: unknown } | undefined>, invalid);
  let officers: string | null = null;
  if (breakGlass !== undefined && breakGlass !== null) {
    const address = (breakGlass as { address?: unknown }).address;
    if (typeof address !== "string" || !isAddress(address)) throw invalid("safe.breakGlass.address is not an address");
    officers = getAddress(address);
  }
  return { version, contracts: addresses, breakGlass: officers };
}

/**
 * Checks the `safe` part of a loaded config (absent is fine).
 * @param value The parsed `config.safe`.
 * @param file The config file, for the message.
 * @throws {CliError} `CONFIG_INVALID` (3).
 */
export function checkSafeConfig(value: unknown, file: string): void {
  if (value === undefined) return;
  const invalid = (what: string) => new CliError("CONFIG_INVALID", `${file}: ${what}`, ExitCode.INVALID_INPUT);
  const safe = value as Partial<CliSafeConfig> | null;
  if (safe === null || typeof safe !== "object" || typeof safe.contracts !== "object" || safe.contracts === null) throw invalid("safe is malformed");
  for (const key of Object.values(breakglass.SAFE_CONTRACT_KEYS)) {
    const address = (safe.contracts as unknown as Record<string, unknown>)[key];
    if (typeof address !== "string" || !isAddress(address)) throw invalid(`safe.contracts.${key} is not an address`);
  }
  if (safe.breakGlass !== null && (typeof safe.breakGlass !== "string" || !isAddress(safe.breakGlass))) throw invalid("safe.breakGlass is not an address");
}

/**
 * The config's Safe part, or an error saying how to get one.
 * @param config The CLI config.
 * @throws {CliError} `SAFE_NOT_CONFIGURED` (2) when the config has no Safe contracts.
 */
export function configuredSafe(config: { safe?: CliSafeConfig }): CliSafeConfig {
  if (!config.safe) {
    throw new CliError(
      "SAFE_NOT_CONFIGURED",
      "this configuration has no Safe contracts: re-run `medrec init --rpc <url> --deployment <file>` with a deployment file that has a `safe` section (written by deploy/deploy.ts)",
      ExitCode.USAGE,
    );
  }
  return config.safe;
}

/** The config's Safe part as a deployment's `safe` section (contracts by their deployment-file names). */
export function safeDeploymentOf(safe: CliSafeConfig): { contracts: Record<string, { address: string }>; breakGlass: { address: string } | null } {
  const contracts: Record<string, { address: string }> = {};
  for (const [name, key] of Object.entries(breakglass.SAFE_CONTRACT_KEYS)) contracts[name] = { address: safe.contracts[key] };
  return { contracts, breakGlass: safe.breakGlass ? { address: safe.breakGlass } : null };
}
