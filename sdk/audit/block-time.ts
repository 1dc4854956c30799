/**
 * Block timestamps, fetched once per block and cached.
 *
 * @module
 */
import type { Provider } from "ethers";
import { AuditQueryError } from "./errors";

/** Concurrent `getBlock` calls at most, when many timestamps are needed at once. */
const MAX_CONCURRENT_BLOCK_READS = 8;

/** A cache of block timestamps (Unix seconds): each block is fetched from the provider at most once. */
export class BlockTimestamps {
  readonly #provider: Pick<Provider, "getBlock">;
  readonly #cache = new Map<number, Promise<number>>();

  /** @param provider Reads the blocks. */
  constructor(provider: Pick<Provider, "getBlock">) {
    this.#provider = provider;
  }

  /** How many blocks were requested so far. */
  get size(): number {
    return this.#cache.size;
  }

  /**
   * The timestamp of block `blockNumber`, in Unix seconds.
   * @throws AuditQueryError when the provider fails or does not have the block.
   */
  get(blockNumber: number): Promise<number> {
    let timestamp = this.#cache.get(blockNumber);
    if (timestamp === undefined) {
      timestamp = this.#fetch(blockNumber);
      this.#cache.set(blockNumber, timestamp);
      // A failed read is not cached: a later call tries again.
      timestamp.catch(() => this.#cache.delete(blockNumber));
    }
    return timestamp;
  }

  /**
   * The timestamps of `blockNumbers` (duplicates allowed), with a bounded number of concurrent reads.
   * @returns A map from block number to Unix seconds.
   * @throws AuditQueryError as {@link BlockTimestamps.get}.
   */
  async getMany(blockNumbers: Iterable<number>): Promise<Map<number, number>> {
    const pending = [...new Set(blockNumbers)];
    const result = new Map<number, number>();
    const worker = async () => {
      for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
        result.set(next, await this.get(next));
      }
    };
    await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENT_BLOCK_READS, pending.length) }, worker));
    return result;
  }

  async #fetch(blockNumber: number): Promise<number> {
    let block;
    try {
      block = await this.#provider.getBlock(blockNumber);
    } catch (err) {
      throw new AuditQueryError(`getBlock failed for block ${blockNumber}`, { cause: err });
    }
    if (block === null) throw new AuditQueryError(`the node does not have block ${blockNumber}`);
    return block.timestamp;
  }
}
