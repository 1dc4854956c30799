/**
 * The `cli` section of the bench: how long `cli/bin/medrec` takes to start, as a person runs it — a new Node.js
 * process each time, the compiled CLI (`cli/dist/`, built first when stale). Timed: `--version`, `--help`, and a real
 * command that needs no chain (`--json record list` in a home that is not initialised: it loads the program,
 * parses, runs the command up to reading the config and prints the JSON error, exit 2). Median of `runs` each,
 * with `node -e 0` as the floor of any Node.js process.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ensureCliBuild } from "../test/helpers/cli-build";
import { MEDREC_BIN } from "../test/helpers/cli-run";
import { elapsedMs, percentile } from "./percentiles";

/** Start-up figures, milliseconds (median over `runs`). */
export interface CliStartupFigures {
  runs: number;
  nodeBaselineMs: number;
  versionMs: number;
  helpMs: number;
  offlineCommandMs: number;
}

/** Median wall time of running `args` with `node` `runs` times; the run must exit with `expectedCode`. */
function medianMs(args: readonly string[], runs: number, env: NodeJS.ProcessEnv, expectedCode: number): number {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    samples.push(elapsedMs(start));
    if (result.status !== expectedCode) throw new Error(`${args.join(" ")} exited ${result.status}: ${result.stderr.toString()}`);
  }
  return Number(percentile(samples, 50).toFixed(1));
}

/**
 * Measures the CLI's start-up.
 * @param runs Runs per command (default 10; a few seconds in all).
 */
export async function measureCliStartup(runs = 10): Promise<CliStartupFigures> {
  await ensureCliBuild();
  const home = await mkdtemp(path.join(os.tmpdir(), "medrec-bench-cli-"));
  const env: NodeJS.ProcessEnv = { ...process.env, MEDREC_HOME: home };
  delete env.MEDREC_PASSPHRASE;
  try {
    return {
      runs,
      nodeBaselineMs: medianMs(["-e", "0"], runs, env, 0),
      versionMs: medianMs([MEDREC_BIN, "--version"], runs, env, 0),
      helpMs: medianMs([MEDREC_BIN, "--help"], runs, env, 0),
      offlineCommandMs: medianMs([MEDREC_BIN, "--json", "record", "list"], runs, env, 2),
    };
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
