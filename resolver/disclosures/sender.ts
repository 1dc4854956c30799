import type { JsonRpcProvider, TransactionResponse, Wallet } from "ethers";

/** One transaction the sender signs and sends: target, calldata and gas limit (fees and nonce are the sender's). */
export interface OutgoingTransaction {
  to: string;
  data: string;
  gasLimit: bigint;
}

/** Signs and sends transactions of one account. */
export type TransactionSender = (transaction: OutgoingTransaction) => Promise<TransactionResponse>;

/** How long fee data is reused, in ms (ethers' maxFeePerGas = 2 × base fee + tip leaves room for a few blocks). */
const FEE_CACHE_MS = 1_000;

/**
 * Sends transactions from one account one at a time, numbering nonces locally, so that batches go out back to back
 * while earlier ones are still pending (their receipts are awaited elsewhere). Fees are read at most once a second
 * and outside the queue; only signing and sending are serialised. After a failed send the numbering restarts from
 * the chain's pending count, so a transaction that never left does not leave a nonce gap.
 * @param wallet The account (connected to `provider`).
 * @param provider Its node.
 * @param chainId The chain the transactions are signed for.
 */
export function serialisedSender(wallet: Wallet, provider: JsonRpcProvider, chainId: bigint): TransactionSender {
  let queue: Promise<unknown> = Promise.resolve();
  let nextNonce: number | undefined;
  let fees: { at: number; data: Promise<{ maxFeePerGas: bigint | null; maxPriorityFeePerGas: bigint | null }> } | undefined;
  const feeData = () => {
    const now = Date.now();
    if (!fees || now - fees.at > FEE_CACHE_MS) {
      const data = provider.getFeeData();
      fees = { at: now, data };
      data.catch(() => (fees = undefined));
    }
    return fees.data;
  };
  return async (transaction) => {
    const { maxFeePerGas, maxPriorityFeePerGas } = await feeData();
    const sent = queue.then(async () => {
      try {
        nextNonce ??= await wallet.getNonce("pending");
        const tx = await wallet.sendTransaction({
          ...transaction,
          nonce: nextNonce,
          chainId,
          maxFeePerGas,
          maxPriorityFeePerGas,
          type: maxFeePerGas === null ? undefined : 2,
        });
        nextNonce++;
        return tx;
      } catch (error) {
        nextNonce = undefined;
        throw error;
      }
    });
    queue = sent.catch(() => undefined);
    return sent;
  };
}
