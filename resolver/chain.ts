import { FetchRequest, JsonRpcProvider, Network, Wallet, getAddress } from "ethers";
import { ConsentManager__factory, RecordToken__factory, type ConsentManager, type RecordToken } from "@medrec/sdk/chain/contracts";
import { encodeDisclosureRequests } from "./disclosures/calldata";
import type { DisclosureEntry } from "./disclosures/match";
import { receiptWatcher, type ReceiptWatcher } from "./disclosures/receipts";
import { disclosureAccount, type DisclosureAccount, type NonceHighWater, type SentTransaction } from "./disclosures/sender";
import type { RepairReport } from "./disclosures/nonce-repair";

/**
 * Gas of a `recordDisclosures` transaction: {@link DISCLOSURE_BASE_GAS} plus {@link DISCLOSURE_ENTRY_GAS} per entry
 * is its gas limit (a limit, not a price: unused gas is not paid). Measured on the Hardhat node (see
 * `test/resolver/disclosure-gas.test.ts`): about 8.6 k gas per allowed entry in a 100-entry batch plus 28 k for the
 * transaction; the per-entry limit leaves room for the costlier paths (a patient-wide or an emergency grant, cold
 * registry slots).
 */
export const DISCLOSURE_BASE_GAS = 60_000n;
/** See {@link DISCLOSURE_BASE_GAS}. */
export const DISCLOSURE_ENTRY_GAS = 40_000n;

/** Most entries of one `recordDisclosures` transaction under a gas cap. */
export function disclosuresPerBatch(gasCap: number): number {
  return Math.max(1, Math.floor((gasCap - Number(DISCLOSURE_BASE_GAS)) / Number(DISCLOSURE_ENTRY_GAS)));
}

/** The resolver's view of the chain: contracts for reads and the account that records disclosures. */
export interface ResolverChain {
  /** The node's JSON-RPC endpoint (what `/healthz` probes with its own time limits). */
  rpcUrl: string;
  provider: JsonRpcProvider;
  chainId: bigint;
  consentManager: ConsentManager;
  recordToken: RecordToken;
  /** The RecordToken address (what record keys are bound to, with the chain id, token id and version). */
  recordTokenAddress: string;
  wallet: Wallet;
  /**
   * Sends one `recordDisclosures(entries)` transaction (nonces numbered locally, so batches go out while earlier
   * ones are pending) and returns its hash once the node took it. The contract checks each entry again when the
   * batch is mined: a revocation mined after the read check still wins, for its own entries only.
   * @throws When it could not be sent (nothing was disclosed).
   */
  sendDisclosures(entries: readonly DisclosureEntry[]): Promise<SentTransaction>;
  /** The disclosure account: its numbering, cancels and gap repair (see `disclosureAccount`). */
  account: DisclosureAccount;
  /** Waits for the receipts of sent transactions (one head poll for all of them). */
  receipts: ReceiptWatcher;
  /** Stops the account's checks and the receipt watcher, and closes the provider. */
  close(): void;
}

/**
 * Longest wait for one answer of the node through the provider, in ms (ethers' default is 5 minutes): a node that
 * accepts connections and never answers (paused, wedged) costs a request this long at most, then it is answered 503
 * `CHAIN_UNAVAILABLE` (ethers' `TIMEOUT`).
 */
export const CHAIN_CALL_TIMEOUT_MS = 10_000;

/** Head poll interval of the receipt watcher, in ms. */
const RECEIPT_POLL_MS = 10;
/** Default interval of the disclosure account's nonce check while transactions are pending, in ms. */
export const DEFAULT_NONCE_CHECK_MS = 2_000;

/** Where the resolver's chain is and which account records its disclosures. */
export interface ResolverChainOptions {
  /** JSON-RPC endpoint of the chain's node. */
  rpcUrl: string;
  consentManager: string;
  recordToken: string;
  /** The key of the account holding `RESOLVER_ROLE`. */
  signerPrivateKey: string;
  /** Nonce check interval while disclosures are pending, in ms (default {@link DEFAULT_NONCE_CHECK_MS}). */
  nonceCheckMs?: number;
  /** Called with each nonce repair that found a gap (for the log). */
  onNonceRepair?: (report: RepairReport) => void;
  /** Called when another sender uses the disclosure key (see `DisclosureAccountOptions.onForeignSender`; for the log). */
  onForeignSender?: (nonces: number, report: RepairReport) => void;
  /** Where the disclosure account keeps its nonce high-water mark across restarts, per chain (see `disclosureAccount`). */
  nonceHighWater?: (chainId: bigint) => NonceHighWater;
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
  const request = new FetchRequest(options.rpcUrl);
  request.timeout = CHAIN_CALL_TIMEOUT_MS;
  const provider = new JsonRpcProvider(request, Network.from(chainId), { staticNetwork: true, pollingInterval: 100, batchStallTime: 0 });
  const wallet = new Wallet(options.signerPrivateKey, provider);
  const consentManager = ConsentManager__factory.connect(options.consentManager, wallet);
  const recordToken = RecordToken__factory.connect(options.recordToken, provider);
  const account = disclosureAccount(wallet, provider, {
    rpcUrl: options.rpcUrl,
    chainId,
    resyncMs: options.nonceCheckMs ?? DEFAULT_NONCE_CHECK_MS,
    onRepair: options.onNonceRepair,
    onForeignSender: options.onForeignSender,
    highWater: options.nonceHighWater?.(chainId),
  });
  const receipts = receiptWatcher(provider, RECEIPT_POLL_MS);
  const to = getAddress(options.consentManager);
  const recordSelector = consentManager.interface.getFunction("recordDisclosures")!.selector;

  return {
    rpcUrl: options.rpcUrl,
    provider,
    chainId,
    consentManager,
    recordToken,
    recordTokenAddress: getAddress(options.recordToken),
    wallet,
    sendDisclosures(entries) {
      const data = encodeDisclosureRequests(recordSelector, entries);
      return account.send({ to, data, gasLimit: DISCLOSURE_BASE_GAS + DISCLOSURE_ENTRY_GAS * BigInt(entries.length) });
    },
    account,
    receipts,
    close() {
      account.stop();
      receipts.stop();
      provider.destroy();
    },
  };
}
