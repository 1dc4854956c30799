/**
 * Runs the real `bin/medrec` as a child process (the compiled CLI: call `ensureCliBuild()` first) and collects
 * its exit code, stdout and stderr.
 *
 * @module
 */
import { spawn } from "node:child_process";
import path from "node:path";

/** The `medrec` launcher of the repository. */
export const MEDREC_BIN = path.resolve(__dirname, "..", "..", "cli", "bin", "medrec");

/** Output and exit status of one CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command args` (default: `node bin/medrec args`) in `cwd` with exactly `env`.
 * @param args The CLI arguments.
 * @param options Folder, environment, timeout, and another command line to run instead (e.g. `npm run -s cli --`).
 */
export function runCli(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number; command?: readonly string[] },
): Promise<CliRun> {
  const [file, ...prefix] = options.command ?? [process.execPath, MEDREC_BIN];
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...prefix, ...args], { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`medrec ${args.join(" ")} timed out\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
