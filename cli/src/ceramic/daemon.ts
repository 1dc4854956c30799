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
 * @module
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { findFreePort } from "../../../era-test-node/ports";
import { tmpdir } from "node:os";
import path from "node:path";

const CLI_BIN = path.join(path.dirname(require.resolve("@ceramicnetwork/cli/package.json")), "bin", "ceramic.js");
const INJECT = path.join(__dirname, "inject-memory-ipfs.cjs");
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
  /** Stops the daemon (SIGINT, SIGKILL after 15 s) and removes its temp dir. Idempotent. */
  stop(): Promise<DaemonExit>;
}

/** Options of {@link startCeramicDaemon}. */
export interface StartCeramicDaemonOptions {
  /** Time the daemon may take to answer its health check (default 60 s). */
  startTimeoutMs?: number;
  /** js-ceramic log level, 0 (debug) … 3 (warnings only); default 2. */
  logLevel?: 0 | 1 | 2 | 3;
  /** DIDs allowed to use the admin API (e.g. to index models); default none. */
  adminDids?: string[];
  /** Port of the HTTP API on 127.0.0.1; default a free one (retried if taken meanwhile). */
  port?: number;
}

// eslint-disable-next-line no-control-regex
const tail = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "").trimEnd().split("\n").slice(-TAIL_LINES).join("\n");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The daemon config: inmemory network, HTTP API on 127.0.0.1:`port`, all state below `dir`. */
function daemonConfig(dir: string, port: number, options: StartCeramicDaemonOptions) {
  return {
    anchor: {},
    "http-api": { hostname: "127.0.0.1", port, "cors-allowed-origins": [".*"], "admin-dids": options.adminDids ?? [] },
    ipfs: { mode: "bundled" }, // never started: inject-memory-ipfs.cjs replaces the connection factory
    logger: { "log-level": options.logLevel ?? 2, "log-to-files": false },
    metrics: { "metrics-exporter-enabled": false, "metrics-publisher-enabled": false },
    network: { name: "inmemory" },
    node: {},
    "state-store": { mode: "fs", "local-directory": path.join(dir, "statestore") },
    indexing: {
      db: `sqlite://${path.join(dir, "indexing.sqlite")}`,
      "allow-queries-before-historical-sync": true,
      "disable-composedb": false,
      "enable-historical-sync": false,
    },
  };
}

/** The daemon's environment: the caller's, minus NODE_OPTIONS, plus the switches the stand-in needs. */
function daemonEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS; // the test runner's loaders (ts-node) have no business in the daemon
  return {
    ...env,
    MEDREC_CERAMIC_MEMORY_IPFS: "1", // arms inject-memory-ipfs.cjs
    MEDREC_CERAMIC_EXIT_WITH_PARENT: "1", // …and its watchdog: the daemon stops when our end of its stdin closes
    MEDREC_CERAMIC_DIR: dir,
    IPFS_FLAVOR: "go", // js-ceramic's own pubsub + IPFS path, not ceramic-one / Recon
    CERAMIC_SKIP_IPFS_PERSISTENCE_STARTUP_CHECK: "true",
    SCARF_ANALYTICS: "false",
    DO_NOT_TRACK: "1",
    NO_COLOR: "1",
    HOME: dir, // the CLI writes ~/.ceramic (client config, heap-dump dir) here
  };
}

/** Daemons not yet stopped, killed (and their dirs removed) if the test process exits first. */
const running = new Set<{ child: ChildProcess; dir: string }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const { child, dir } of running) {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

async function startOnce(options: StartCeramicDaemonOptions): Promise<CeramicDaemon> {
  const dir = mkdtempSync(path.join(tmpdir(), "medrec-ceramic-"));
  const port = options.port ?? (await findFreePort("127.0.0.1"));
  const configPath = path.join(dir, "daemon.config.json");
  await writeFile(configPath, JSON.stringify(daemonConfig(dir, port, options), null, 2));

  const child = spawn(process.execPath, ["--require", INJECT, CLI_BIN, "daemon", "--config", configPath], {
    cwd: dir,
    env: daemonEnv(dir),
    stdio: ["pipe", "pipe", "pipe"], // stdin: held open, never written (see the watchdog in inject-memory-ipfs.cjs)
  });
  // A daemon nobody stopped must not keep the test process alive; the exit hook and the watchdog end it.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
  const entry = { child, dir };
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
      rmSync(dir, { recursive: true, force: true });
      running.delete(entry);
      return exit;
    })();
    return stopped;
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (spawnFailure !== undefined) {
      await stop();
      throw new Error(`ceramic daemon could not be spawned: ${spawnFailure.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      const exit = await stop();
      const error = new Error(
        `ceramic daemon exited during start-up (code ${exit.code}, signal ${exit.signal}); last output:\n${tail(out)}`,
      );
      throw Object.assign(error, { addressInUse: /EADDRINUSE/.test(out), dir });
    }
    try {
      const response = await fetch(`${url}/api/v0/node/healthcheck`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`ceramic daemon not healthy after ${options.startTimeoutMs ?? 60_000} ms; last output:\n${tail(out)}`);
    }
    await sleep(150);
  }
  return { url, pid: child.pid!, output: () => out, stop };
}

/**
 * Starts a real `ceramic daemon` (js-ceramic, network `inmemory`) on a free 127.0.0.1 port with the in-process IPFS
 * block layer, and waits for its health check.
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
