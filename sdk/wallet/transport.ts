import { types, type Provider as ZkProvider } from "zksync-ethers";
import { serializeTransaction, type SignedAaTransaction } from "./transaction";
import { TransactionRejectedError } from "./errors";

/** The outcome of an included AA transaction. */
export interface AaTransactionResult {
  hash: string;
  status: "success" | "reverted";
  /** Gas the transaction used (EVM gas on the offline driver, zkSync gas on a real node). */
  gasUsed: bigint;
  /** Fee charged to the payer (account or paymaster) after the refund. */
  fee: bigint;
  /** Block of the execution (of the last validation step when the execution reverted). */
  blockNumber: number;
  /** The decoded revert reason when `status` is `reverted`. */
  revertReason?: string;
  /** Offline driver only: gas of each bootloader step (`validateTransaction`, `executeTransaction`, …), without the base cost. */
  stepGas?: Record<string, bigint>;
}

/**
 * Where signed type-113 transactions go: the offline bootloader driver of `era-test-node/`, or a real zkSync
 * node (anvil-zksync, era-test-node, Era). Both reject a transaction the bootloader would reject with
 * {@link TransactionRejectedError}.
 */
export interface AaTransport {
  readonly kind: "bootloader-driver" | "zksync-node";
  /** The chain id transactions must be signed for. */
  chainId(): Promise<bigint>;
  /** The next nonce of `account` (NonceHolder). */
  nonceOf(account: string): Promise<bigint>;
  /** A `maxFeePerGas` the chain accepts now. */
  gasPrice(): Promise<bigint>;
  /** Submits `tx` and waits until it is included. */
  submit(tx: SignedAaTransaction): Promise<AaTransactionResult>;
}

/**
 * A transport to a real zkSync node through zksync-ethers: `eth_sendRawTransaction` of the serialized
 * type-113 transaction. Needs a node with the real bootloader (not runnable offline; see README).
 * @param provider A zksync-ethers provider.
 */
export function zkSyncNodeTransport(provider: ZkProvider): AaTransport {
  return {
    kind: "zksync-node",
    async chainId() {
      return (await provider.getNetwork()).chainId;
    },
    async nonceOf(account) {
      return BigInt(await provider.getTransactionCount(account));
    },
    async gasPrice() {
      return await provider.getGasPrice();
    },
    async submit(tx) {
      let response: types.TransactionResponse;
      try {
        response = await provider.broadcastTransaction(serializeTransaction(tx));
      } catch (error) {
        throw new TransactionRejectedError("validation", error instanceof Error ? error.message : String(error), { cause: error });
      }
      const receipt = await response.wait().catch((error: unknown) => {
        const failed = (error as { receipt?: types.TransactionReceipt }).receipt;
        if (failed) return failed;
        throw error;
      });
      return {
        hash: receipt.hash,
        status: receipt.status === 1 ? "success" : "reverted",
        gasUsed: receipt.gasUsed,
        fee: receipt.gasUsed * receipt.gasPrice,
        blockNumber: receipt.blockNumber,
      };
    },
  };
}
