import type { ResolverChain } from "./chain";
import type { ResolverDatabase } from "./database";

/** The meta key of the last block scanned for burns. */
const SCANNED_KEY = "burns.scannedBlock";
/** Most blocks asked for in one `eth_getLogs`. */
const MAX_RANGE = 5_000;

/** A running burn watcher. */
export interface BurnWatcher {
  /** Scans the blocks not scanned yet (also run on a timer). Returns how many records were shredded. */
  scan(): Promise<number>;
  /** The last block scanned. */
  scannedBlock(): number;
  /** When (`Date.now()`) a scan last reached the head it read; `undefined` before the first. */
  caughtUpAt(): number | undefined;
  stop(): Promise<void>;
}

/**
 * Crypto-shredding on erasure: watches `RecordToken.RecordBurned` and deletes the resolver's wraps of every
 * burned record, leaving a tombstone (later requests get 410). Progress is kept in the database, so a restart
 * resumes where it stopped.
 */
export async function startBurnWatcher(options: {
  chain: ResolverChain;
  database: ResolverDatabase;
  startBlock: number;
  pollMs: number;
  onError?: (error: unknown) => void;
  onShred?: (tokenId: bigint, wrapsDeleted: number) => void;
}): Promise<BurnWatcher> {
  const { chain, database } = options;
  const stored = await database.getMeta(SCANNED_KEY);
  let scanned = stored === undefined ? options.startBlock - 1 : Number(stored);
  const filter = chain.recordToken.filters.RecordBurned();
  let running: Promise<number> | undefined;
  let stopped = false;
  let caughtUpAt: number | undefined;

  const scanOnce = async (): Promise<number> => {
    const head = await chain.provider.getBlockNumber();
    let shredded = 0;
    while (scanned < head) {
      const from = scanned + 1;
      const to = Math.min(head, from + MAX_RANGE - 1);
      const events = await chain.recordToken.queryFilter(filter, from, to);
      for (const event of events) {
        const deleted = await database.shred(event.args.tokenId, event.blockNumber);
        options.onShred?.(event.args.tokenId, deleted);
        shredded++;
      }
      scanned = to;
      await database.setMeta(SCANNED_KEY, String(scanned));
    }
    caughtUpAt = Date.now();
    return shredded;
  };
  const scan = () => (running ??= scanOnce().finally(() => (running = undefined)));

  const timer = setInterval(() => {
    if (!stopped) scan().catch((error) => options.onError?.(error));
  }, options.pollMs);
  timer.unref();

  return {
    scan,
    scannedBlock: () => scanned,
    caughtUpAt: () => caughtUpAt,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
