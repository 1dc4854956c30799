import { getAddress } from "ethers";
import type { ContractNetworksConfig } from "@safe-global/protocol-kit";

/** The Safe version medrec deploys and talks to. */
export const SAFE_VERSION = "1.4.1";

/** Where the Safe v1.4.1 contracts live on one chain. */
export interface SafeContractAddresses {
  /** The Safe singleton (medrec uses SafeL2: it emits an event per executed transaction). */
  safeSingleton: string;
  safeProxyFactory: string;
  multiSend: string;
  multiSendCallOnly: string;
  /** CompatibilityFallbackHandler, set as the fallback handler of new Safes. */
  fallbackHandler: string;
  signMessageLib: string;
  createCall: string;
  simulateTxAccessor: string;
}

/** protocol-kit's per-chain contract configuration (addresses keyed by decimal chain id). */
export type SafeContractNetworks = ContractNetworksConfig;

/**
 * protocol-kit's `contractNetworks` for a chain where the Safe contracts are not at the addresses protocol-kit
 * knows (a local chain, or a chain medrec deployed them on). ABIs are left out: protocol-kit uses its own v1.4.1
 * ABIs, which match the contracts deployed from the npm artifacts.
 * @param chainId The chain id.
 * @param addresses The contract addresses on that chain.
 */
export function contractNetworksFor(chainId: bigint | number, addresses: SafeContractAddresses): SafeContractNetworks {
  return {
    [BigInt(chainId).toString()]: {
      safeSingletonAddress: getAddress(addresses.safeSingleton),
      safeProxyFactoryAddress: getAddress(addresses.safeProxyFactory),
      multiSendAddress: getAddress(addresses.multiSend),
      multiSendCallOnlyAddress: getAddress(addresses.multiSendCallOnly),
      fallbackHandlerAddress: getAddress(addresses.fallbackHandler),
      signMessageLibAddress: getAddress(addresses.signMessageLib),
      createCallAddress: getAddress(addresses.createCall),
      simulateTxAccessorAddress: getAddress(addresses.simulateTxAccessor),
    },
  };
}

/**
 * Deployment-file name of each Safe contract (`deployments/<network>.json` → `safe.contracts`) → protocol-kit key.
 * The one home of this mapping: the deploy script writes these names, the client and the CLI read them.
 */
export const SAFE_CONTRACT_KEYS = {
  SafeL2: "safeSingleton",
  SafeProxyFactory: "safeProxyFactory",
  MultiSend: "multiSend",
  MultiSendCallOnly: "multiSendCallOnly",
  CompatibilityFallbackHandler: "fallbackHandler",
  SignMessageLib: "signMessageLib",
  CreateCall: "createCall",
  SimulateTxAccessor: "simulateTxAccessor",
} as const satisfies Record<string, keyof SafeContractAddresses>;

/** The name of a Safe contract in a deployment file. */
export type SafeDeploymentName = keyof typeof SAFE_CONTRACT_KEYS;

/**
 * The protocol-kit addresses of a deployment file's `safe.contracts`.
 * @param contracts `safe.contracts` of a deployment (each `{ address }`).
 * @param invalid Makes the error for a missing or malformed address (`what` names the field).
 */
export function safeContractAddressesOf(
  contracts: Readonly<Record<string, { address?: unknown } | undefined>>,
  invalid: (what: string) => Error,
): SafeContractAddresses {
  const addresses = {} as SafeContractAddresses;
  for (const [name, key] of Object.entries(SAFE_CONTRACT_KEYS)) {
    const address = contracts[name]?.address;
    if (typeof address !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(address)) throw invalid(`safe.contracts.${name}.address is missing or not an address`);
    addresses[key] = getAddress(address);
  }
  return addresses;
}
