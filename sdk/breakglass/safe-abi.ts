import { Interface } from "ethers";
import { getProxyFactoryDeployment, getSafeL2SingletonDeployment } from "@safe-global/safe-deployments";
import { SAFE_VERSION } from "./contract-networks";

/** Loads the ABI of a v1.4.1 contract from `@safe-global/safe-deployments` (the registry Safe itself publishes). */
function abiOf(lookup: typeof getSafeL2SingletonDeployment, name: string): Interface {
  const deployment = lookup({ version: SAFE_VERSION });
  if (!deployment) throw new Error(`@safe-global/safe-deployments has no ${name} ${SAFE_VERSION}`);
  return new Interface(deployment.abi);
}

/** The SafeL2 v1.4.1 ABI: `execTransaction`, `nonce`, `getThreshold`, `ExecutionSuccess`, `ExecutionFailure`, … */
export const safeInterface = abiOf(getSafeL2SingletonDeployment, "SafeL2");

/** The SafeProxyFactory v1.4.1 ABI: `createProxyWithNonce`, `ProxyCreation`. */
export const safeProxyFactoryInterface = abiOf(getProxyFactoryDeployment, "SafeProxyFactory");
