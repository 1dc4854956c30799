/**
 * The compiled CLI that `cli/bin/medrec` runs (`cli/dist/`, from `cli/tsconfig.json`, against the built
 * `sdk/dist/cjs` as an installed `@medrec/sdk`): built once per process when it is missing or older than its
 * sources (`sdk/` with its generated `sdk/chain/contracts/`, `cli/src/`, the build config), so that the CLI tests and
 * the demo run what the sources say on a fresh clone (after `hardhat compile` has generated sdk/chain/contracts).
 *
 * @module
 */
import { execFile } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { ensureSdkBuild } from "./sdk-build";

const ROOT = path.resolve(__dirname, "..", "..");
const CLI_DIR = path.join(ROOT, "cli");
/** The compiled entry point `cli/bin/medrec` requires. */
export const CLI_BUILD_ENTRY = path.join(ROOT, "cli", "dist", "cli", "src", "main.js");
/** What the build compiles or is configured by. */
const SOURCES = ["sdk", "cli/src", "cli/tsconfig.json", "cli/scripts", "era-test-node", "deploy", "tsconfig.json"];

let building: Promise<void> | undefined;

/** The newest modification time (ms) of the `.ts`/`.json` files at or below `entry`; 0 when it does not exist. */
async function newestMtime(entry: string): Promise<number> {
  let info;
  try {
    info = await stat(entry);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const item of await readdir(entry, { withFileTypes: true })) {
    const full = path.join(entry, item.name);
    if (item.isDirectory() || (item.isSymbolicLink() && (await stat(full)).isDirectory())) newest = Math.max(newest, await newestMtime(full));
    else if (/\.(ts|json)$/.test(item.name)) newest = Math.max(newest, (await stat(full)).mtimeMs);
  }
  return newest;
}

/** Whether `cli/dist/` is missing or older than a source. */
export async function cliBuildIsStale(): Promise<boolean> {
  const built = await newestMtime(CLI_BUILD_ENTRY);
  if (built === 0) return true;
  const sources = await Promise.all(SOURCES.map((source) => newestMtime(path.join(ROOT, source))));
  return Math.max(...sources) > built;
}

/**
 * Builds the SDK (when stale), then runs `tsc -p cli/tsconfig.json` and copies the Ceramic helpers when the CLI is stale (once per process; later calls wait for it).
 * @throws Error with the compiler's output when the build fails.
 */
export function ensureCliBuild(): Promise<void> {
  building ??= (async () => {
    await ensureSdkBuild(); // the CLI runs against sdk/dist/cjs, as an installed @medrec/sdk
    if (!(await cliBuildIsStale())) return;
    const tsc = require.resolve("typescript/bin/tsc");
    const run = promisify(execFile);
    try {
      await run(process.execPath, [tsc, "-p", path.join(CLI_DIR, "tsconfig.json")], { cwd: CLI_DIR, maxBuffer: 16 * 1024 * 1024 });
      await run(process.execPath, [path.join(CLI_DIR, "scripts", "copy-ceramic-helpers.cjs"), "dist/cli/src/ceramic"], { cwd: CLI_DIR });
    } catch (error) {
      const output = (error as { stdout?: string }).stdout ?? "";
      throw new Error(`building the CLI (tsc -p cli/tsconfig.json) failed:\n${output}`, { cause: error });
    }
  })();
  return building;
}
