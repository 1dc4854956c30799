/**
 * One process at a time in a daemon state directory: `medrec` commands run in parallel must not start two daemons
 * on one state store. A lock file `daemon.lock` (created exclusively, holding the owner's pid) is taken around
 * start and stop; a lock whose owner is dead is taken over.
 *
 * @module
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isProcessAlive } from "./processes";

/** Pause between two attempts to take a held lock. */
const RETRY_MS = 100;

/**
 * Runs `fn` holding the lock of `stateDir` (which must exist).
 * @param timeoutMs How long to wait for another holder to let go.
 * @throws Error when the lock is still held by a live process after `timeoutMs`.
 */
export async function withStateDirLock<T>(stateDir: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const file = path.join(stateDir, "daemon.lock");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx", mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let owner = Number.NaN;
    try {
      owner = Number.parseInt(readFileSync(file, "utf8"), 10);
    } catch {
      // released meanwhile, or being written: retry
    }
    if (Number.isInteger(owner) && owner !== process.pid && !isProcessAlive(owner)) {
      rmSync(file, { force: true }); // its owner died holding it
      continue;
    }
    if (Date.now() >= deadline) throw new Error(`the ceramic state dir ${stateDir} is locked by process ${owner} (daemon.lock)`);
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
