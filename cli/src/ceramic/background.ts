/**
 * A background js-ceramic daemon for the `medrec` CLI, which runs one process per command: the first command
 * starts a daemon detached from itself on a persistent state dir (daemon.ts' layout, blocks on disk), later ones
 * find it through `<stateDir>/daemon.json` (daemon-record.ts) and reuse it; {@link stopCeramicDaemon} ends it.
 * A daemon that died (reboot, kill) is started again on the same state dir, with the same streams, admin DID and
 * MedrecConsent model.
 *
 * The daemon runs without the exit-with-parent watchdog of test daemons; its stdout and stderr go to
 * `<stateDir>/daemon.log` (0600). The admin DID's seed stays in `daemon.json` (0600): the daemon only gets the
 * public DID, so neither its config nor its log holds a secret. Start and stop hold the state dir's lock
 * (state-lock.ts), so parallel commands start one daemon.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { findFreePort, isPortFree } from "../../../era-test-node/ports";
import { consent } from "@medrec/sdk";

const { deployConsentModel, indexConsentModel, keyDidFromSeed } = consent;
import { daemonCommand, daemonConfig, daemonEnv, daemonPaths, type DaemonConfigOptions } from "./daemon-config";
import { newAdminSeed, readDaemonRecord, writeDaemonRecord, type CeramicDaemonRecord } from "./daemon-record";
import { isCeramicHealthy, waitUntilCeramicHealthy } from "./health";
import { isDaemonProcess, terminateProcess } from "./processes";
import { withStateDirLock } from "./state-lock";

/** Lines of the log quoted when a start fails. */
const TAIL_LINES = 40;
/** Grace period of a stop before SIGKILL. */
const STOP_GRACE_MS = 15_000;

/** Options of {@link ensureCeramicDaemon}. */
export interface EnsureCeramicDaemonOptions extends Pick<DaemonConfigOptions, "logLevel"> {
  /** The daemon's persistent directory (created 0700 if missing). */
  stateDir: string;
  /** Port of the HTTP API on 127.0.0.1 for a new daemon; default the last one if free, else a free one. */
  port?: number;
  /** Time a new daemon may take to get healthy (default 60 s). */
  startTimeoutMs?: number;
}

/** A running background daemon. */
export interface BackgroundCeramicDaemon {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The MedrecConsent model (deployed and indexed once per state dir). */
  modelId: string;
  /** The daemon's pid. */
  pid: number;
  /** Whether this call started it (false: an earlier one did and it was reused). */
  started: boolean;
}

/**
 * The background daemon of `stateDir`: the recorded one when it is alive and healthy, else a new one started
 * detached (it outlives the calling process); deploys and indexes the MedrecConsent model on first use.
 * @throws Error with the tail of `daemon.log` when the daemon does not start; Error when the state dir is locked
 *   by another process for longer than the start timeout; ConsentStoreError when the model cannot be deployed or
 *   indexed.
 */
export async function ensureCeramicDaemon(options: EnsureCeramicDaemonOptions): Promise<BackgroundCeramicDaemon> {
  const stateDir = path.resolve(options.stateDir);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  return withStateDirLock(stateDir, startTimeoutMs + STOP_GRACE_MS + 10_000, async () => {
    let record = readDaemonRecord(stateDir) ?? { version: 1 as const, adminSeed: newAdminSeed(), adminDid: "" };
    const admin = await keyDidFromSeed(Buffer.from(record.adminSeed, "hex"));
    record = { ...record, adminDid: admin.id };
    const paths = daemonPaths(stateDir);

    let running = await reusable(record, paths.config, startTimeoutMs);
    let started = false;
    if (running === undefined) {
      running = await startDetached(stateDir, record, admin.id, options, startTimeoutMs);
      started = true;
    }
    record = {
      ...record,
      pid: running.pid,
      url: running.url,
      port: Number(new URL(running.url).port),
      ...(started ? { startedAt: new Date().toISOString() } : {}),
    };
    writeDaemonRecord(stateDir, record);

    if (record.modelId === undefined) {
      record = { ...record, modelId: await deployConsentModel(running.url, admin) }; // indexed too: admin DID
      writeDaemonRecord(stateDir, record);
    } else if (started) {
      await indexConsentModel(running.url, admin, record.modelId); // kept in the sqlite index; cheap to confirm
    }
    return { url: running.url, modelId: record.modelId!, pid: running.pid, started };
  });
}

/**
 * Stops the background daemon of `stateDir` (SIGINT, SIGKILL after 15 s) and clears its pid and url in
 * `daemon.json`; the state, the admin seed and the model id stay for the next start.
 * @returns Whether a running daemon was stopped.
 */
export async function stopCeramicDaemon(stateDir: string): Promise<boolean> {
  const dir = path.resolve(stateDir);
  const record = readDaemonRecord(dir);
  if (record === undefined) return false;
  return withStateDirLock(dir, STOP_GRACE_MS + 10_000, async () => {
    const current = readDaemonRecord(dir)!;
    let stopped = false;
    if (current.pid !== undefined && isDaemonProcess(current.pid, daemonPaths(dir).config)) {
      if (!(await terminateProcess(current.pid, STOP_GRACE_MS))) throw new Error(`the ceramic daemon ${current.pid} did not stop`);
      stopped = true;
    }
    const { pid: _pid, url: _url, ...rest } = current; // keeps seed, model, port, startedAt
    writeDaemonRecord(dir, rest);
    return stopped;
  });
}

/** The recorded daemon when it is ours, alive and healthy (waiting up to `timeoutMs` for it); else undefined. */
async function reusable(record: CeramicDaemonRecord, configPath: string, timeoutMs: number): Promise<{ pid: number; url: string } | undefined> {
  const { pid, url } = record;
  if (pid === undefined || url === undefined || !isDaemonProcess(pid, configPath)) return undefined;
  if (await isCeramicHealthy(url)) return { pid, url };
  // Alive but not answering: give it the start timeout (it may be busy), then replace it.
  const outcome = await waitUntilCeramicHealthy(url, { timeoutMs, failed: () => (isDaemonProcess(pid, configPath) ? undefined : "exited") });
  if (outcome.healthy) return { pid, url };
  await terminateProcess(pid, STOP_GRACE_MS);
  return undefined;
}

/** Starts a detached daemon on `stateDir` and waits until it is healthy; retries once on a port taken meanwhile. */
async function startDetached(
  stateDir: string,
  record: CeramicDaemonRecord,
  adminDid: string,
  options: EnsureCeramicDaemonOptions,
  timeoutMs: number,
): Promise<{ pid: number; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const port =
      options.port ?? (attempt === 1 && record.port !== undefined && (await isPortFree("127.0.0.1", record.port)) ? record.port : await findFreePort("127.0.0.1"));
    try {
      return await spawnDetached(stateDir, port, adminDid, options, timeoutMs);
    } catch (error) {
      if (options.port === undefined && attempt < 3 && (error as { addressInUse?: boolean }).addressInUse === true) continue;
      throw error;
    }
  }
}

async function spawnDetached(
  stateDir: string,
  port: number,
  adminDid: string,
  options: EnsureCeramicDaemonOptions,
  timeoutMs: number,
): Promise<{ pid: number; url: string }> {
  const paths = daemonPaths(stateDir);
  await writeFile(paths.config, JSON.stringify(daemonConfig(paths, port, { logLevel: options.logLevel, adminDids: [adminDid] }), null, 2), { mode: 0o600 });
  const logFile = path.join(stateDir, "daemon.log");
  const log = openSync(logFile, "a", 0o600);
  const logStart = statSync(logFile).size;
  const { command, args } = daemonCommand(paths);
  let exited: string | undefined;
  let child;
  try {
    child = spawn(command, args, {
      cwd: stateDir,
      env: daemonEnv(paths, { temporary: false, exitWithParent: false, persistBlocks: true }),
      detached: true, // its own process group: a Ctrl-C of the command does not reach it
      stdio: ["ignore", log, log],
    });
  } finally {
    closeSync(log);
  }
  child.once("error", (error) => (exited ??= `could not be spawned: ${error.message}`));
  child.once("exit", (code, signal) => (exited ??= `exited during start-up (code ${code}, signal ${signal})`));
  child.unref();

  const url = `http://127.0.0.1:${port}`;
  const outcome = await waitUntilCeramicHealthy(url, { timeoutMs, failed: () => exited });
  if (outcome.healthy && child.pid !== undefined) return { pid: child.pid, url };
  if (child.pid !== undefined && exited === undefined) await terminateProcess(child.pid, 5_000);
  const output = logTail(logFile, logStart);
  const reason = exited ?? `not healthy after ${timeoutMs} ms`;
  throw Object.assign(new Error(`background ceramic daemon ${reason}; last lines of ${logFile}:\n${output}`), { addressInUse: /EADDRINUSE/.test(output) });
}

/** The last lines the log got since byte `from`. */
function logTail(file: string, from: number): string {
  try {
    const text = readFileSync(file).subarray(from).toString("utf8");
    // eslint-disable-next-line no-control-regex
    return text.replace(/\x1b\[[0-9;]*m/g, "").trimEnd().split("\n").slice(-TAIL_LINES).join("\n");
  } catch {
    return "(no log)";
  }
}
