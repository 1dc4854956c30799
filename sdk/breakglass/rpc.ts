import type { Eip1193Provider } from "@safe-global/protocol-kit";

/** An ethers provider (or anything else) that answers raw JSON-RPC through `send`. */
export interface JsonRpcSender {
  send(method: string, params: unknown[]): Promise<unknown>;
}

/**
 * How the break-glass functions reach the chain: an HTTP(S) JSON-RPC URL, an EIP-1193 provider (a wallet, Hardhat's
 * `network.provider`), or an ethers provider with `send` (`JsonRpcProvider`, Hardhat's ethers provider).
 */
export type SafeRpc = string | Eip1193Provider | JsonRpcSender;

/**
 * What protocol-kit accepts as `provider`: the URL as is, an EIP-1193 provider as is, an ethers provider wrapped
 * into EIP-1193 `request`.
 * @param rpc See {@link SafeRpc}.
 */
export function toSafeProvider(rpc: SafeRpc): string | Eip1193Provider {
  if (typeof rpc === "string") return rpc;
  if (typeof (rpc as Eip1193Provider).request === "function") return rpc as Eip1193Provider;
  const sender = rpc as JsonRpcSender;
  if (typeof sender.send !== "function") throw new TypeError("the provider must be a URL, an EIP-1193 provider or have send()");
  return {
    request: ({ method, params }) =>
      sender.send(method, Array.isArray(params) ? [...params] : params === undefined ? [] : [params]),
  };
}
