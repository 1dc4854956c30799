import { Provider as ZkProvider } from "zksync-ethers";
import { zkSyncNodeTransport, type AaTransport } from "@medrec/sdk/wallet/transport";
import { bootloaderTransport } from "./bootloader/driver";
import type { RpcProvider } from "./bootloader/impersonation";

/**
 * The AA transport for tests and tools: real type-113 transactions to the zkSync node at `ZKSYNC_RPC_URL`
 * (anvil-zksync, era-test-node) when it is set, otherwise the offline bootloader driver on `provider`.
 * @param provider The local EVM chain the driver runs on (ignored when `ZKSYNC_RPC_URL` is set).
 * @param env Where `ZKSYNC_RPC_URL` is read.
 */
export function aaTransportFor(provider: RpcProvider, env: NodeJS.ProcessEnv = process.env): AaTransport {
  const url = env.ZKSYNC_RPC_URL;
  return url ? zkSyncNodeTransport(new ZkProvider(url)) : bootloaderTransport(provider);
}

/** A one-line description of what a transport runs on, for test and demo output. */
export function describeTransport(transport: AaTransport, env: NodeJS.ProcessEnv = process.env): string {
  return transport.kind === "zksync-node"
    ? `real zkSync node at ${env.ZKSYNC_RPC_URL} (type-113 transactions through zksync-ethers)`
    : "offline bootloader driver on the local EVM chain (EVM doubles of the zkSync system contracts)";
}
