import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

/** How the node process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all. */
  error?: Error;
}

/** A running `hardhat node` child process, leader of its own process group. */
export interface HardhatNodeProcess {
  readonly pid: number;
  /** Settles once the process has exited (never rejects). */
  readonly exited: Promise<ProcessExit>;
  /** The last lines the process wrote to stderr (or, when stderr is empty, to stdout). */
  outputTail(): string;
  /** SIGTERM to the whole process group, SIGKILL after `graceMs`; resolves once the process exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** Options of {@link spawnHardhatNode}. */
export interface SpawnHardhatNodeOptions {
  host: string;
  port: number;
  /** The project root: the working directory, and where `node_modules/hardhat` is found. */
  root: string;
  /** Receives every output line of the node, with private keys redacted. */
  log?: (line: string) => void;
}

const TAIL_CHARS = 4_000;

/** Replaces the private keys a Hardhat node prints at startup. */
export function redactPrivateKeys(line: string): string {
  return line.replace(/(Private Key:\s*)0x[0-9a-fA-F]{64}/g, "$1[redacted]");
}

/**
 * Starts `hardhat node` offline as a detached child (its own process group) in `options.root`.
 * The caller waits for readiness; the process is killed with the group when this process exits.
 * @param options Interface, port, project root and an optional line logger.
 */
export function spawnHardhatNode(options: SpawnHardhatNodeOptions): HardhatNodeProcess {
  const cli = path.join(options.root, "node_modules", "hardhat", "internal", "cli", "cli.js");
  const child = spawn(process.execPath, [cli, "node", "--hostname", options.host, "--port", String(options.port)], {
    cwd: options.root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: nodeEnv(),
  });

  const tails = { stdout: "", stderr: "" };
  for (const stream of ["stdout", "stderr"] as const) {
    let pending = "";
    child[stream]!.setEncoding("utf8");
    child[stream]!.on("data", (chunk: string) => {
      tails[stream] = (tails[stream] + chunk).slice(-TAIL_CHARS);
      if (!options.log) return;
      const lines = (pending + chunk).split(/\r?\n/);
      pending = lines.pop() ?? "";
      for (const line of lines) options.log(redactPrivateKeys(line));
    });
  }

  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("error", (error) => resolve({ code: null, signal: null, error }));
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const killOnExit = () => signalGroup(child, "SIGKILL");
  process.once("exit", killOnExit);
  void exited.then(() => process.removeListener("exit", killOnExit));

  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid ?? -1,
    exited,
    outputTail: () => redactPrivateKeys((tails.stderr.trim() || tails.stdout.trim()).split("\n").slice(-20).join("\n")),
    stop(graceMs = 5_000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
        signalGroup(child, "SIGTERM");
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), graceMs)));
        const first = await Promise.race([exited, graceOver]);
        clearTimeout(timer);
        if (first === "timeout") {
          signalGroup(child, "SIGKILL");
          await exited;
        }
      })();
      return stopping;
    },
  };
}

/**
 * The node's environment: this process's, without telemetry prompts and without HARDHAT_NETWORK (set by
 * `hardhat run --network …` for its script; `hardhat node` only runs the in-process Hardhat network).
 */
function nodeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HARDHAT_TELEMETRY_DISABLED: "1", HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" };
  delete env.HARDHAT_NETWORK;
  return env;
}

/** Sends `signal` to the child's process group; ignores a group that is already gone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}
