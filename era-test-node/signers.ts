import { HDNodeWallet, JsonRpcProvider, Wallet } from "ethers";

/** The mnemonic every Hardhat node derives its funded default accounts from (public; test use only). */
export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** The BIP-44 path of default account `index`: `m/44'/60'/0'/0/<index>`. */
export function hardhatAccountPath(index: number): string {
  return `m/44'/60'/0'/0/${index}`;
}

/**
 * The first `count` default accounts of a Hardhat node, as ethers wallets connected to `rpcUrl`.
 *
 * All wallets share one `JsonRpcProvider` with request caching off (so back-to-back transactions of one
 * account never reuse a cached nonce) and a short polling interval. Call `provider.destroy()` on any of
 * them when done.
 * @param rpcUrl The chain's HTTP endpoint.
 * @param count How many accounts (a Hardhat node funds 20).
 */
export function localChainSigners(rpcUrl: string, count: number): Wallet[] {
  if (!Number.isInteger(count) || count < 0) throw new Error(`invalid signer count: ${count}`);
  const provider = new JsonRpcProvider(rpcUrl, undefined, { cacheTimeout: -1, pollingInterval: 200 });
  return Array.from({ length: count }, (_, index) => {
    const derived = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, hardhatAccountPath(index));
    return new Wallet(derived.privateKey, provider);
  });
}
