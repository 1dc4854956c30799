import { JsonRpcProvider, Network, Wallet, getAddress, type TransactionResponse } from "ethers";
import { findRevertData } from "@medrec/sdk/chain";
import { ConsentManager__factory, RecordToken__factory, type ConsentManager, type RecordToken } from "@medrec/sdk/chain/contracts";
import type { DisclosureReceipt } from "@medrec/sdk/resolver/protocol";
import { ResolverHttpError } from "./errors";

/** The resolver's view of the chain: contracts for reads and the account that records disclosures. */
export interface ResolverChain {
  provider: JsonRpcProvider;
  chainId: bigint;
  consentManager: ConsentManager;
  recordToken: RecordToken;
  /** The RecordToken address (what record keys are bound to, with the chain id, token id and version). */
  recordTokenAddress: string;
  wallet: Wallet;
  /**
   * Records that `grantee` received the key of `tokenId` for `purpose` and waits for the receipt. The contract
   * re-checks the grant in the same transaction, so a revocation mined after the read check still wins.
   * @throws {ResolverHttpError} `ACCESS_DENIED` when the contract refuses (`NoAccess`), `RECORD_ERASED` on
   *   `UnknownToken`, `DISCLOSURE_FAILED` otherwise.
   */
  disclose(tokenId: bigint, grantee: string, purpose: string): Promise<DisclosureReceipt>;
}

/** Where the resolver's chain is and which account records its disclosures. */
export interface ResolverChainOptions {
  /** JSON-RPC endpoint of the chain's node. */
  rpcUrl: string;
  consentManager: string;
  recordToken: string;
  /** The key of the account holding `RESOLVER_ROLE`. */
  signerPrivateKey: string;
}

/** Connects to the chain at `rpcUrl`, checks the chain id once, and prepares the disclosure account. */
export async function connectResolverChain(options: ResolverChainOptions): Promise<ResolverChain> {
  const probe = new JsonRpcProvider(options.rpcUrl, undefined, { staticNetwork: true });
  let chainId: bigint;
  try {
    chainId = BigInt(await probe.send("eth_chainId", []));
  } finally {
    probe.destroy();
  }
  return resolverChain({ ...options, chainId });
}

/**
 * The resolver's view of the chain `chainId` at `rpcUrl`, without asking the node anything until it is used (a
 * request that needs the chain then fails as the node's answer, or its absence, says). {@link connectResolverChain}
 * checks the chain id first.
 * @param options Node, contracts, disclosure account and the chain id the node is known to serve.
 */
export function resolverChain(options: ResolverChainOptions & { chainId: bigint }): ResolverChain {
  const { chainId } = options;
  // No batch stall: ethers would otherwise hold every call 10 ms to batch it, on each step of a key release.
  const provider = new JsonRpcProvider(options.rpcUrl, Network.from(chainId), { staticNetwork: true, pollingInterval: 100, batchStallTime: 0 });
  const wallet = new Wallet(options.signerPrivateKey, provider);
  const consentManager = ConsentManager__factory.connect(options.consentManager, wallet);
  const recordToken = RecordToken__factory.connect(options.recordToken, provider);
  const send = serialisedSender(wallet, chainId);

  return {
    provider,
    chainId,
    consentManager,
    recordToken,
    recordTokenAddress: getAddress(options.recordToken),
    wallet,
    async disclose(tokenId, grantee, purpose) {
      const data = consentManager.interface.encodeFunctionData("recordDisclosure", [tokenId, grantee, purpose]);
      const to = await consentManager.getAddress();
      let gasLimit: bigint;
      try {
        gasLimit = await provider.estimateGas({ from: wallet.address, to, data });
      } catch (error) {
        throw disclosureRefusal(consentManager, error);
      }
      // Fees are read before queueing (ethers' maxFeePerGas = 2 × base fee + tip leaves room for the blocks
      // mined while waiting), so that only signing and sending are serialised.
      const fees = await provider.getFeeData();
      const tx = await send({ to, data, gasLimit: (gasLimit * 13n) / 10n, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }).catch(
        (error: unknown) => {
          // Not sent (no funds for gas, node refused): nothing was disclosed, so nothing may be released.
          throw new ResolverHttpError("DISCLOSURE_FAILED", `the disclosure transaction could not be sent (${(error as { code?: string }).code ?? "error"}); nothing was released`);
        },
      );
      const receipt = await tx.wait(1, 60_000).catch((error: unknown) => {
        throw disclosureRefusal(consentManager, error);
      });
      if (!receipt || receipt.status !== 1) throw new ResolverHttpError("DISCLOSURE_FAILED", "the disclosure transaction reverted; nothing was released");
      return { transactionHash: receipt.hash, blockNumber: receipt.blockNumber };
    },
  };
}

/**
 * Sends transactions from one account one at a time, numbering nonces locally so that concurrent key releases
 * do not collide; the numbering restarts from the chain after a failed send.
 */
function serialisedSender(wallet: Wallet, chainId: bigint) {
  let queue: Promise<unknown> = Promise.resolve();
  let nextNonce: number | undefined;
  return (request: { to: string; data: string; gasLimit: bigint; maxFeePerGas: bigint | null; maxPriorityFeePerGas: bigint | null }): Promise<TransactionResponse> => {
    const sent = queue.then(async () => {
      try {
        nextNonce ??= await wallet.getNonce("pending");
        const tx = await wallet.sendTransaction({ ...request, nonce: nextNonce, chainId, type: request.maxFeePerGas === null ? undefined : 2 });
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

/** Maps a failed estimate or receipt to the resolver's refusal. */
function disclosureRefusal(consentManager: ConsentManager, error: unknown): ResolverHttpError {
  let name: string | undefined;
  const data = findRevertData(error);
  if (data) {
    try {
      name = consentManager.interface.parseError(data)?.name;
    } catch {
      name = undefined;
    }
  }
  if (name === "NoAccess") return new ResolverHttpError("ACCESS_DENIED", "the chain refused the disclosure: no access for this purpose");
  if (name === "UnknownToken") return new ResolverHttpError("RECORD_ERASED", "the record no longer exists");
  if (name === "AccessControlUnauthorizedAccount") {
    return new ResolverHttpError("DISCLOSURE_FAILED", "this resolver does not hold RESOLVER_ROLE; nothing was released");
  }
  return new ResolverHttpError("DISCLOSURE_FAILED", `the disclosure could not be recorded${name ? ` (${name})` : ""}; nothing was released`);
}
