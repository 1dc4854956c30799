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
   * The receipt of `hash` once it is mined; rejects with {@link ReceiptTimeoutError} after `timeoutMs`.
   * The first look is immediate (an automining node has mined the transaction when its send returns).
   */
  wait(hash: string, timeoutMs: number): Promise<MinedReceipt>;
  /** Transactions waited for now. */
  pending(): number;
}

/** A transaction was not mined within its time. */
export class ReceiptTimeoutError extends Error {
  constructor(readonly hash: string, timeoutMs: number) {
    super(`transaction ${hash} was not mined within ${timeoutMs} ms`);
    this.name = "ReceiptTimeoutError";
  }
}

interface Waiter {
  hash: string;
  deadline: number;
  timeoutMs: number;
  resolve(receipt: MinedReceipt): void;
  reject(error: unknown): void;
}

/**
 * One watcher for every pending transaction of the resolver: while any is waited for, it asks the node for its head
 * every `pollMs` and, only when a new block arrived, for the receipts of the waiting transactions (in parallel). So
 * N pending batches cost one `eth_blockNumber` per poll, not N receipt polls.
 * @param provider The node.
 * @param pollMs Head poll interval (a few ms: a receipt is seen within that of its block).
 */
export function receiptWatcher(provider: JsonRpcProvider, pollMs: number): ReceiptWatcher {
  const waiters = new Set<Waiter>();
  let head = -1;
  let timer: NodeJS.Timeout | undefined;
  let polling = false;

  const settle = (waiter: Waiter, receipt: MinedReceipt | null) => {
    if (!receipt || !waiters.has(waiter)) return;
    waiters.delete(waiter);
    waiter.resolve(receipt);
  };
  const expire = () => {
    const now = Date.now();
    for (const waiter of waiters) {
      if (now < waiter.deadline) continue;
      waiters.delete(waiter);
      waiter.reject(new ReceiptTimeoutError(waiter.hash, waiter.timeoutMs));
    }
  };
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      const block = Number(await provider.send("eth_blockNumber", []));
      if (block !== head) {
        head = block;
        await Promise.all([...waiters].map((waiter) => minedReceipt(provider, waiter.hash).then((receipt) => settle(waiter, receipt), () => undefined)));
      }
    } catch {
      // The node did not answer this time: the next poll asks again, the deadline still holds.
    } finally {
      polling = false;
      expire();
      schedule();
    }
  };
  const schedule = () => {
    if (timer || waiters.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      void poll();
    }, pollMs);
  };

  return {
    wait(hash, timeoutMs) {
      return new Promise<MinedReceipt>((resolve, reject) => {
        const waiter: Waiter = { hash, deadline: Date.now() + timeoutMs, timeoutMs, resolve, reject };
        waiters.add(waiter);
        minedReceipt(provider, hash).then(
          (receipt) => settle(waiter, receipt),
          () => undefined,
        );
        schedule();
      });
    },
    pending: () => waiters.size,
  };
}
