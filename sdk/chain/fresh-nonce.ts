import { JsonRpcApiProvider, type Provider } from "ethers";

/**
 * The nonce `address`'s next transaction takes, counting those in the node's pool (`pending`), asked of the node
 * now: ethers' providers answer a repeated `getTransactionCount` from a cache for 250 ms, so that a sender that
 * asks again right after its transaction was mined would be told the nonce that transaction used.
 * @param provider Where to ask (a JSON-RPC provider is asked directly; any other through `getTransactionCount`).
 * @param address The sender.
 * @param blockTag `pending` (default) or `latest` (the nonce after the last mined transaction).
 */
export async function freshNonce(provider: Provider, address: string, blockTag: "pending" | "latest" = "pending"): Promise<bigint> {
  if (provider instanceof JsonRpcApiProvider) return BigInt((await provider.send("eth_getTransactionCount", [address, blockTag])) as string);
  return BigInt(await provider.getTransactionCount(address, blockTag));
}
