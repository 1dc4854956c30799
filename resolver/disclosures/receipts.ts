import type { JsonRpcProvider } from "ethers";
import type { BatchLog } from "./match";

/** A mined transaction as the node's `eth_getTransactionReceipt` tells it (the parts the batcher reads). */
export interface MinedReceipt {
  hash: string;
  blockNumber: number;
  /** 1 success, 0 reverted. */
  status: number | null;
  logs: BatchLog[];
}

/** The node's JSON receipt (hex quantities), `null` while the transaction is not mined. */
interface RpcReceipt {
  transactionHash: string;
  blockNumber: string | null;
  status?: string | null;
  logs: { address: string; topics: string[]; data: string; logIndex: string }[];
}

/**
 * The receipt of `hash` read with one raw `eth_getTransactionReceipt` (no ethers formatting of every log), or
 * `null` while it is not mined.
 */
export async function minedReceipt(provider: JsonRpcProvider, hash: string): Promise<MinedReceipt | null> {
  const raw = (await provider.send("eth_getTransactionReceipt", [hash])) as RpcReceipt | null;
  if (!raw || raw.blockNumber === null || raw.blockNumber === undefined) return null;
  return {
    hash: raw.transactionHash,
    blockNumber: Number(raw.blockNumber),
    status: raw.status === null || raw.status === undefined ? null : Number(raw.status),
    logs: raw.logs.map((log) => ({ address: log.address, topics: log.topics, data: log.data, index: Number(log.logIndex) })),
  };
}

/** Waits for receipts of sent transactions. */
export interface ReceiptWatcher {
  /**
   * The receipt of the first of `hashes` that is mined (transactions at one nonce: a disclosure and the no-op that
   * replaces it); rejects with {@link ReceiptTimeoutError} after `timeoutMs`. The first look is immediate (an
   * automining node has mined the transaction when its send returns). A receipt request that fails is asked again
   * at the next poll, not only at the next block.
   */
  wait(hashes: string | readonly string[], timeoutMs: number): Promise<MinedReceipt>;
  /** Transactions waited for now. */
  pending(): number;
  /** Stops polling and rejects every wait (`ReceiptTimeoutError`): the resolver is closing. */
  stop(): void;
}

/** A transaction was not mined within its time. */
export class ReceiptTimeoutError extends Error {
  constructor(readonly hash: string, timeoutMs: number) {
    super(`transaction ${hash} was not mined within ${timeoutMs} ms`);
    this.name = "ReceiptTimeoutError";
  }
}

interface Waiter {
  hashes: readonly string[];
  deadline: number;
  timeoutMs: number;
  /** The head at which every receipt of `hashes` was last read without error (-1: never). */
  readAt: number;
  resolve(receipt: MinedReceipt): void;
  reject(error: unknown): void;
}

/**
 * One watcher for every pending transaction of the resolver: while any is waited for, it asks the node for its head
 * every `pollMs` and, for each waiter whose receipts were not read at that head yet (a new block, or a failed read
 * before), for its receipts (in parallel). So N pending batches cost one `eth_blockNumber` per poll, not N receipt
 * polls, and one failed receipt read is retried instead of waiting for a block that may not come.
 * @param provider The node.
 * @param pollMs Head poll interval (a few ms: a receipt is seen within that of its block).
 */
export function receiptWatcher(provider: JsonRpcProvider, pollMs: number): ReceiptWatcher {
  const waiters = new Set<Waiter>();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let stopped = false;

  /** Reads the receipts of `waiter` (as of head `head`); settles it when one is mined. */
  const look = async (waiter: Waiter, head: number) => {
    try {
      const receipts = await Promise.all(waiter.hashes.map((hash) => minedReceipt(provider, hash)));
      const mined = receipts.find((receipt) => receipt !== null);
      if (mined && waiters.delete(waiter)) waiter.resolve(mined);
      else waiter.readAt = Math.max(waiter.readAt, head);
    } catch {
      // Not read this time: asked again at the next poll (readAt unchanged).
    }
  };
  const expire = () => {
    const now = Date.now();
    for (const waiter of waiters) {
      if (now < waiter.deadline) continue;
      waiters.delete(waiter);
      waiter.reject(new ReceiptTimeoutError(waiter.hashes[0], waiter.timeoutMs));
    }
  };
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      const head = Number(await provider.send("eth_blockNumber", []));
      await Promise.all([...waiters].filter((waiter) => waiter.readAt < head).map((waiter) => look(waiter, head)));
    } catch {
      // The node did not answer this time: the next poll asks again, the deadline still holds.
    } finally {
      polling = false;
      expire();
      schedule();
    }
  };
  const schedule = () => {
    if (timer || stopped || waiters.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      void poll();
    }, pollMs);
  };

  return {
    wait(hashes, timeoutMs) {
      return new Promise<MinedReceipt>((resolve, reject) => {
        if (stopped) return reject(new ReceiptTimeoutError(typeof hashes === "string" ? hashes : hashes[0], timeoutMs));
        const list = typeof hashes === "string" ? [hashes] : [...hashes];
        const waiter: Waiter = { hashes: list, deadline: Date.now() + timeoutMs, timeoutMs, readAt: -1, resolve, reject };
        waiters.add(waiter);
        void look(waiter, -1);
        schedule();
      });
    },
    pending: () => waiters.size,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      for (const waiter of waiters) waiter.reject(new ReceiptTimeoutError(waiter.hashes[0], waiter.timeoutMs));
      waiters.clear();
    },
  };
}
