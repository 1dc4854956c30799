/**
 * Waiting for an ordinary transaction by polling its receipt: many can be awaited at once, each at a short
 * interval (ethers' own `wait()` polls a JSON-RPC node every 4 s, a long time next to zkSync's ~1 s blocks).
 *
 * @module
 */
import type { Provider, TransactionReceipt } from "ethers";
import { freshNonce } from "../chain/fresh-nonce";

/** How often a pending transaction's receipt is asked for (ms). */
export const RECEIPT_POLL_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long a write transaction may stay unmined before the ingest gives up on it (ms): a resumed run picks it up. */
export const RECEIPT_TIMEOUT_MS = 180_000;

/**
 * The receipt of `hash` once it is mined; rejects after `timeoutMs` (a transaction the node dropped, or a chain that
 * stopped), so that an ingest fails with a clear error instead of waiting for ever; running it again resumes.
 * @param provider Where to ask.
 * @param hash The transaction.
 * @param pollMs The interval between two questions.
 * @param timeoutMs How long to wait at most.
 */
export async function minedReceipt(provider: Provider, hash: string, pollMs = RECEIPT_POLL_MS, timeoutMs = RECEIPT_TIMEOUT_MS): Promise<TransactionReceipt> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await provider.getTransactionReceipt(hash);
    if (receipt) return receipt;
    if (Date.now() >= until) throw new Error(`not mined within ${(timeoutMs / 1000).toFixed(timeoutMs < 10_000 ? 1 : 0)} s (dropped by the node, or the chain stopped); run the ingest again to resume it`);
    await sleep(Math.min(pollMs, Math.max(0, until - Date.now())));
  }
}

/**
 * Resolves once `address` has no transaction waiting in the node's pool (its pending nonce is its mined nonce):
 * transactions of an earlier, killed run are mined (or dropped) before a resumed run reads what is minted.
 * @param provider Where to ask.
 * @param address The sender.
 * @param timeoutMs After this long it resolves anyway (a node that keeps a stuck transaction).
 */
export async function settledSender(provider: Provider, address: string, timeoutMs = 30_000, pollMs = RECEIPT_POLL_MS): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const [pending, latest] = await Promise.all([freshNonce(provider, address, "pending"), freshNonce(provider, address, "latest")]);
    if (pending <= latest) return;
    await sleep(pollMs);
  }
}
