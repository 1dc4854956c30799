import { types, type Provider as ZkProvider } from "zksync-ethers";
import { freshNonce } from "../chain/fresh-nonce";
import { estimationSignature, serializeTransaction, toZkSyncRequest, type AaTransactionRequest, type SignedAaTransaction } from "./transaction";
import { TransactionRejectedError, TransactionWouldRevertError } from "./errors";

/** The outcome of an included AA transaction. */
export interface AaTransactionResult {
  hash: string;
  status: "success" | "reverted";
  /** Gas the transaction used (EVM gas on the offline driver, zkSync gas on a real node). */
  gasUsed: bigint;
  /** Fee charged to the payer (account or paymaster) after the refund. */
  fee: bigint;
  /** Block of the execution (of the last step before it when it could not even start for lack of gas). */
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
  /**
   * The gas `request` needs, found by running it as the chain would, without a real signature and without
   * changing anything; `request.gasLimit` is the most it may use (e.g. the sender's remaining paymaster quota).
   * Throws {@link TransactionRejectedError} when the transaction would be refused before execution, and
   * {@link TransactionWouldRevertError} when its execution reverts or needs more than `request.gasLimit`.
   */
  estimateGas(request: AaTransactionRequest): Promise<bigint>;
  /** Submits `tx` and waits until it is included. */
  submit(tx: SignedAaTransaction): Promise<AaTransactionResult>;
}

/**
 * A transport to a real zkSync node through zksync-ethers: `eth_estimateGas` of the type-113 request with
 * `customData` and a stand-in signature ({@link estimationSignature}) for estimates, `eth_sendRawTransaction` of
 * the serialized transaction to submit. Needs a node with the real bootloader (not runnable offline; see README).
 * @param provider A zksync-ethers provider.
 */
export function zkSyncNodeTransport(provider: ZkProvider): AaTransport {
  return {
    kind: "zksync-node",
    async chainId() {
      return (await provider.getNetwork()).chainId;
    },
    async nonceOf(account) {
      return freshNonce(provider, account, "latest");
    },
    async gasPrice() {
      return await provider.getGasPrice();
    },
    async estimateGas(request) {
      try {
        return await provider.estimateGas(toZkSyncRequest({ ...request, signature: estimationSignature(request) }));
      } catch (error) {
        throw estimationError(error);
      }
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

/**
 * What a zkSync node's refusal to estimate means: its validation errors ("failed to validate the transaction",
 * "Validation revert", "Paymaster validation error") are rejections, anything else an execution that would revert.
 */
function estimationError(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/paymaster validation/i.test(message)) return new TransactionRejectedError("paymaster", message, { cause: error });
  if (/validat/i.test(message)) return new TransactionRejectedError("validation", message, { cause: error });
  return new TransactionWouldRevertError(message, { cause: error });
}
