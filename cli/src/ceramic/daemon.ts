/**
 * Test harness: a real js-ceramic daemon (`@ceramicnetwork/cli` 6.11.0, `ceramic daemon`, network `inmemory`) as a
 * child process on 127.0.0.1, with the in-process IPFS block layer of `memory-ipfs.cjs` preloaded by
 * `inject-memory-ipfs.cjs` in place of the kubo binary the CLI would otherwise download and spawn.
 *
 * What is real: the published CLI and daemon (HTTP API, stream handlers, ModelInstanceDocument schema and
 * controller checks, signature and CACAO verification, fs state store, sqlite index). What is substituted: only
 * the IPFS node (see memory-ipfs.cjs). `inmemory` means no anchoring service and no peers: commits stay
 * un-anchored (anchor status PENDING), which the consent flows do not depend on.
 *
 * Each daemon gets a fresh temp dir (config, state store, sqlite index, HOME) and a free port; `stop()` ends the
 * process with SIGINT (the CLI closes the daemon), SIGKILL after a grace period, and removes the temp dir. A daemon
 * still running when the test process exits is killed and its dir removed; if the test process is killed outright,
 * the daemon notices its stdin closing and stops itself (inject-memory-ipfs.cjs).
 *
 * With `stateDir`, the daemon keeps everything there instead, IPFS blocks and pins included (block-files.cjs), and
 * `stop()` leaves it: a daemon started again on the same `stateDir` has the same streams, models and index. One
 * daemon per `stateDir` at a time (the state store is locked). For a daemon that outlives the calling process (the
 * `medrec` CLI), see background.ts.
 *
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { findFreePort } from "../../../era-test-node/ports";
import { tmpdir } from "node:os";
import path from "node:path";
import { daemonCommand, daemonConfig, daemonEnv, daemonPaths, type DaemonConfigOptions } from "./daemon-config";
import { waitUntilCeramicHealthy } from "./health";

/** Bytes of daemon output kept for error messages. */
const OUTPUT_LIMIT = 64 * 1024;
/** Lines of output quoted when the daemon dies or does not get healthy. */
const TAIL_LINES = 40;

/** How a daemon process ended. */
export interface DaemonExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running daemon. */
export interface CeramicDaemon {
  /** `http://127.0.0.1:<port>`: the Ceramic HTTP API for `@ceramicnetwork/http-client`. */
  url: string;
  /** The daemon's process id. */
  pid: number;
  /** The daemon's stdout and stderr so far (last 64 KiB). */
  output(): string;
  /** The daemon's directory (the temp dir, or `stateDir`). */
  dir: string;
  /** Stops the daemon (SIGINT, SIGKILL after 15 s) and removes its temp dir (never a `stateDir`). Idempotent. */
  stop(): Promise<DaemonExit>;
}

/** Options of {@link startCeramicDaemon}. */
export interface StartCeramicDaemonOptions extends DaemonConfigOptions {
  /** Time the daemon may take to answer its health check (default 60 s). */
  startTimeoutMs?: number;
  /** Port of the HTTP API on 127.0.0.1; default a free one (retried if taken meanwhile). */
  port?: number;
  /**
   * Keep the daemon's state (state store, index, IPFS blocks and pins, config) in this directory (created 0700 if
   * missing) and leave it on stop; default a fresh temp dir, removed on stop.
   */
  stateDir?: string;
}

// eslint-disable-next-line no-control-regex
const tail = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "").trimEnd().split("\n").slice(-TAIL_LINES).join("\n");

/** Daemons not yet stopped, killed (and their dirs removed) if the test process exits first. */
const running = new Set<{ child: ChildProcess; dir: string; temporary: boolean }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const { child, dir, temporary } of running) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      if (temporary) rmSync(dir, { recursive: true, force: true });
    }
  });
}

async function startOnce(options: StartCeramicDaemonOptions): Promise<CeramicDaemon> {
  const temporary = options.stateDir === undefined;
  const dir = temporary ? mkdtempSync(path.join(tmpdir(), "medrec-ceramic-")) : path.resolve(options.stateDir!);
  if (!temporary) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const paths = daemonPaths(dir);
  const port = options.port ?? (await findFreePort("127.0.0.1"));
  await writeFile(paths.config, JSON.stringify(daemonConfig(paths, port, options), null, 2), { mode: 0o600 });

  const { command, args } = daemonCommand(paths);
  const child = spawn(command, args, {
    cwd: dir,
    env: daemonEnv(paths, { temporary, exitWithParent: true, persistBlocks: !temporary }),
    stdio: ["pipe", "pipe", "pipe"], // stdin: held open, never written (see the watchdog in inject-memory-ipfs.cjs)
  });
  // A daemon nobody stopped must not keep the test process alive; the exit hook and the watchdog end it.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
  const entry = { child, dir, temporary };
  running.add(entry);
  installExitHook();

  let out = "";
  const collect = (chunk: Buffer) => {
    out += chunk.toString("utf8");
    if (out.length > OUTPUT_LIMIT) out = out.slice(-OUTPUT_LIMIT);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  let spawnFailure: Error | undefined;
  const exited = new Promise<DaemonExit>((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal })); // after exit and the last output
    child.once("error", (error) => {
      spawnFailure = error; // not started (or not killable): there may be no "close"
      resolve({ code: null, signal: null });
    });
  });

  let stopped: Promise<DaemonExit> | undefined;
  const stop = (): Promise<DaemonExit> => {
    stopped ??= (async () => {
      if (spawnFailure === undefined && child.exitCode === null && child.signalCode === null) {
        child.kill("SIGINT"); // the CLI's SIGINT handler runs daemon.close()
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
      const exit = await exited;
      if (temporary) rmSync(dir, { recursive: true, force: true });
      running.delete(entry);
      return exit;
    })();
    return stopped;
  };

  const url = `http://127.0.0.1:${port}`;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const outcome = await waitUntilCeramicHealthy(url, {
    timeoutMs,
    failed: () => (spawnFailure !== undefined || child.exitCode !== null || child.signalCode !== null ? "exited" : undefined),
  });
  if (!outcome.healthy) {
    if (spawnFailure !== undefined) {
      await stop();
      throw new Error(`ceramic daemon could not be spawned: ${spawnFailure.message}`);
    }
    if (outcome.reason === "failed") {
      const exit = await stop();
      const error = new Error(
        `ceramic daemon exited during start-up (code ${exit.code}, signal ${exit.signal}); last output:\n${tail(out)}`,
      );
      throw Object.assign(error, { addressInUse: /EADDRINUSE/.test(out), dir });
    }
    await stop();
    throw new Error(`ceramic daemon not healthy after ${timeoutMs} ms; last output:\n${tail(out)}`);
  }
  return { url, pid: child.pid!, dir, output: () => out, stop };
}

/**
 * Starts a real `ceramic daemon` (js-ceramic, network `inmemory`) on a free 127.0.0.1 port with the in-process IPFS
 * block layer, and waits for its health check. The daemon is a child of the calling process and stops with it.
 * @returns The API url and `stop()`; call `stop()` in an `after` hook.
 * @throws Error with the tail of the daemon's output when it dies or does not become healthy in time.
 */
export async function startCeramicDaemon(options: StartCeramicDaemonOptions = {}): Promise<CeramicDaemon> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      // Another process took the free port between probing and binding: try another one.
      if (options.port === undefined && attempt < 3 && (error as { addressInUse?: boolean }).addressInUse === true) continue;
      throw error;
    }
  }
}
