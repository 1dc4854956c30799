/**
 * What a client needs to know of a medrec deployment: the chain, the four core contracts, and — where they were
 * deployed — the account factory and sponsor paymaster (zkSync AA) and the Safe contracts of break-glass. The
 * shape is that of `deployments/<network>.json`, so a deployment file can be passed as it is.
 *
 * @module
 */
import { getAddress, isAddress } from "ethers";
import { InvalidArgumentError } from "../errors";

/** A deployed contract: its address (the file has more; the client needs only this). */
export interface DeployedAddress {
  address: string;
}

/** The core contracts every deployment has. */
export const CORE_CONTRACT_NAMES = ["PatientRegistry", "ProviderRegistry", "ConsentManager", "RecordToken"] as const;

/** The name of a core contract. */
export type CoreContractName = (typeof CORE_CONTRACT_NAMES)[number];

/** A medrec deployment as the client reads it (a subset of `deployments/<network>.json`). */
export interface Deployment {
  /** The chain the contracts are on. */
  chainId: number | bigint;
  /** The block of the first deployment transaction: where event queries start. */
  startBlock?: number;
  contracts: Record<CoreContractName, DeployedAddress>;
  /** zkSync AA: the factory of patient accounts and the paymaster that sponsors them. */
  wallets?: { AccountFactory: DeployedAddress; SponsorPaymaster: DeployedAddress };
  /** Safe v1.4.1 contracts of the chain (for break-glass through protocol-kit) and the officers' Safe. */
  safe?: { contracts: Record<string, DeployedAddress>; breakGlass?: { address: string } | null };
}

/** The core contract addresses of a deployment, checksummed. */
export type CoreAddresses = Record<CoreContractName, string>;

const addressAt = (value: unknown, where: string): string => {
  const address = (value as { address?: unknown } | undefined)?.address;
  if (typeof address !== "string" || !isAddress(address)) throw new InvalidArgumentError(`deployment: ${where} has no valid address`);
  return getAddress(address);
};

/**
 * Checks a deployment (e.g. a parsed deployment file) and returns its core addresses.
 * @throws InvalidArgumentError when the chain id or a core contract's address is missing or malformed, or an AA
 *   contract is named without a valid address.
 */
export function checkDeployment(deployment: Deployment): CoreAddresses {
  if (deployment === null || typeof deployment !== "object") throw new InvalidArgumentError("deployment: not an object");
  const chainId = deployment.chainId;
  if (!((typeof chainId === "number" && Number.isSafeInteger(chainId) && chainId > 0) || (typeof chainId === "bigint" && chainId > 0n))) {
    throw new InvalidArgumentError("deployment: chainId must be a positive integer");
  }
  if (deployment.startBlock !== undefined && !(Number.isSafeInteger(deployment.startBlock) && deployment.startBlock >= 0)) {
    throw new InvalidArgumentError("deployment: startBlock must be a block number");
  }
  const addresses = {} as CoreAddresses;
  for (const name of CORE_CONTRACT_NAMES) addresses[name] = addressAt(deployment.contracts?.[name], `contracts.${name}`);
  if (deployment.wallets !== undefined) {
    addressAt(deployment.wallets.AccountFactory, "wallets.AccountFactory");
    addressAt(deployment.wallets.SponsorPaymaster, "wallets.SponsorPaymaster");
  }
  return addresses;
}
