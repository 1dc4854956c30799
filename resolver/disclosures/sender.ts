import { Signature, Transaction, getBytes, hexlify, type JsonRpcProvider, type TransactionLike, type Wallet } from "ethers";
import { ecdsaSign } from "secp256k1";
import { freshNonce } from "@medrec/sdk/chain";

/** One transaction the sender signs and sends: target, calldata and gas limit (fees and nonce are the sender's). */
export interface OutgoingTransaction {
  to: string;
  data: string;
  gasLimit: bigint;
}

/** Signs and sends transactions of one account; resolves with the hash once the node took the transaction. */
export type TransactionSender = (transaction: OutgoingTransaction) => Promise<{ hash: string }>;

/**
 * The signed serialisation of `transaction` (fees, nonce and chain id filled in), signed with libsecp256k1 over its
 * unsigned hash: the same bytes as ethers' `Wallet.signTransaction` (both sign with RFC 6979 nonces and low s;
 * tested), without ethers' pure-JS signing and without parsing the signed transaction back (which recovers the
 * sender again) as `Wallet.sendTransaction` does.
 * @param privateKey The account's 32-byte secp256k1 key.
 */
export function signTransaction(transaction: TransactionLike, privateKey: Uint8Array): Transaction {
  const tx = Transaction.from(transaction);
  const { signature, recid } = ecdsaSign(getBytes(tx.unsignedHash), privateKey);
  tx.signature = Signature.from({ r: hexlify(signature.subarray(0, 32)), s: hexlify(signature.subarray(32)), v: 27 + recid });
  return tx;
}

/** How long fee data is reused, in ms (ethers' maxFeePerGas = 2 × base fee + tip leaves room for a few blocks). */
const FEE_CACHE_MS = 1_000;

/**
 * Sends transactions from one account one at a time, numbering nonces locally, so that batches go out back to back
 * while earlier ones are still pending (their receipts are awaited elsewhere). Fees are read at most once a second
 * and outside the queue; only signing (libsecp256k1, {@link signTransaction}) and sending (`eth_sendRawTransaction`) are
 * serialised. After a failed send the numbering restarts from
 * the chain's pending count, so a transaction that never left does not leave a nonce gap.
 * @param wallet The account (connected to `provider`).
 * @param provider Its node.
 * @param chainId The chain the transactions are signed for.
 */
export function serialisedSender(wallet: Wallet, provider: JsonRpcProvider, chainId: bigint): TransactionSender {
  let queue: Promise<unknown> = Promise.resolve();
  let nextNonce: number | undefined;
  const privateKey = getBytes(wallet.privateKey);
  let fees: { at: number; data: Promise<{ gasPrice: bigint | null; maxFeePerGas: bigint | null; maxPriorityFeePerGas: bigint | null }> } | undefined;
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
    const { gasPrice, maxFeePerGas, maxPriorityFeePerGas } = await feeData();
    const sent = queue.then(async () => {
      try {
        nextNonce ??= Number(await freshNonce(provider, wallet.address));
        const fee = maxFeePerGas === null ? { type: 0, gasPrice } : { type: 2, maxFeePerGas, maxPriorityFeePerGas };
        const tx = signTransaction({ ...transaction, ...fee, nonce: nextNonce, chainId }, privateKey);
        const hash = (await provider.send("eth_sendRawTransaction", [tx.serialized])) as string;
        if (hash.toLowerCase() !== tx.hash!.toLowerCase()) throw new Error("the node named another hash for the disclosure transaction");
        nextNonce++;
        return { hash: tx.hash! };
      } catch (error) {
        nextNonce = undefined;
        throw error;
      }
    });
    queue = sent.catch(() => undefined);
    return sent;
  };
}
