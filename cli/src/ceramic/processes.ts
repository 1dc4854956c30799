/**
 * Whether a recorded process id is still a running daemon, without trusting a pid that the OS may have given to
 * another process since: on Linux the command line must name the daemon's config file.
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** Whether `pid` is a live process (not a zombie). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (process.platform !== "linux") return true;
  try {
    // /proc/<pid>/stat: "pid (comm) S …"; comm may contain spaces and parentheses, the state follows the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * Whether `pid` is alive and (on Linux, where the command line is readable) a process started with `configPath`
 * on its command line, i.e. the daemon of that directory and not a process that reused its pid.
 */
export function isDaemonProcess(pid: number, configPath: string): boolean {
  if (!isProcessAlive(pid)) return false;
  if (process.platform !== "linux") return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").includes(configPath);
  } catch {
    return false;
  }
}

/**
 * Stops `pid`: SIGINT, then SIGKILL when it is still alive after `graceMs`; resolves once it is gone or
 * `graceMs + 5 s` have passed.
 * @returns Whether the process is gone.
 */
export async function terminateProcess(pid: number, graceMs: number): Promise<boolean> {
  const gone = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (isProcessAlive(pid)) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return true;
  };
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  signal("SIGINT"); // the ceramic CLI closes the daemon on SIGINT
  if (await gone(graceMs)) return true;
  signal("SIGKILL");
  return gone(5_000);
}
