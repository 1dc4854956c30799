/**
 * Paginated `eth_getLogs`: a long history is read in block ranges of at most `pageSize` blocks, one range
 * after the other, so that it works with RPC providers that cap the range (or the result size) of a query.
 *
 * @module
 */
import type { Filter, Log, Provider } from "ethers";
import { InvalidArgumentError } from "../errors";
import { AuditQueryError } from "./errors";

/** Blocks per `getLogs` query when no page size is given. */
export const DEFAULT_PAGE_SIZE = 10_000;

/** A range of blocks, both ends inclusive. */
export interface BlockRange {
  fromBlock: number;
  toBlock: number;
}

/** A log filter without its block range (that is what the pagination sets). */
export type LogQuery = Omit<Filter, "fromBlock" | "toBlock">;

/**
 * Splits `[fromBlock, toBlock]` into consecutive ranges of at most `pageSize` blocks, in order. Empty when
 * `fromBlock > toBlock`.
 * @param fromBlock First block, a non-negative integer.
 * @param toBlock Last block, an integer.
 * @param pageSize Blocks per range, a positive integer.
 * @throws InvalidArgumentError when an argument is not an integer in range.
 */
export function blockRanges(fromBlock: number, toBlock: number, pageSize: number): BlockRange[] {
  requireBlockNumber("fromBlock", fromBlock);
  if (!Number.isSafeInteger(toBlock)) throw new InvalidArgumentError(`toBlock must be an integer, got ${toBlock}`);
  requirePageSize(pageSize);
  const ranges: BlockRange[] = [];
  for (let start = fromBlock; start <= toBlock; start += pageSize) {
    ranges.push({ fromBlock: start, toBlock: Math.min(start + pageSize - 1, toBlock) });
  }
  return ranges;
}

/**
 * Reads the logs matching `query` from `fromBlock` to `toBlock`, one page of `pageSize` blocks at a time.
 * @param provider Reads the logs.
 * @param query Address and topics.
 * @param range The blocks to read, both ends inclusive.
 * @param pageSize Blocks per query.
 * @returns The logs of every page, in page order (within a page, as the node returns them).
 * @throws AuditQueryError naming the block range of a failing query (the provider's error is the `cause`).
 */
export async function getLogsPaged(
  provider: Pick<Provider, "getLogs">,
  query: LogQuery,
  range: BlockRange,
  pageSize: number,
): Promise<Log[]> {
  const logs: Log[] = [];
  for (const page of blockRanges(range.fromBlock, range.toBlock, pageSize)) {
    let found: Log[];
    try {
      found = await provider.getLogs({ ...query, fromBlock: page.fromBlock, toBlock: page.toBlock });
    } catch (err) {
      throw new AuditQueryError(
        `getLogs failed for blocks ${page.fromBlock}..${page.toBlock}; a smaller pageSize may help`,
        { cause: err },
      );
    }
    logs.push(...found);
  }
  return logs;
}

/**
 * Checks a block number argument.
 * @throws InvalidArgumentError unless `value` is a non-negative safe integer.
 */
export function requireBlockNumber(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/**
 * Checks a page size argument.
 * @throws InvalidArgumentError unless `value` is a positive safe integer.
 */
export function requirePageSize(value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`pageSize must be a positive integer, got ${value}`);
  }
}
