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
