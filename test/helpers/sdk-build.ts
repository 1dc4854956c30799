/**
 * Builds `sdk/dist` for the packaging tests, once per process and only when it is missing or older than a source.
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

/** The repository root. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");
/** The SDK workspace. */
export const SDK_DIR = path.join(REPO_ROOT, "sdk");
/** The file whose age stands for the whole build: `sdk/build.mjs` writes it last (after removing `dist/` first). */
const BUILT_MARKER = path.join(SDK_DIR, "dist", "esm", "package.json");

/** The newest modification time (ms) of the SDK's build inputs: its sources (contract types included) and build files. */
function newestInput(): number {
  let newest = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === "dist" || entry.name === "node_modules" || entry.name === "dev") continue;
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(file);
      else if (/\.(ts|mjs|json)$/.test(entry.name)) newest = Math.max(newest, statSync(file).mtimeMs);
    }
  };
  visit(SDK_DIR);
  return newest;
}

/** True when `sdk/dist` exists and no build input is newer. */
export function sdkBuildIsFresh(): boolean {
  try {
    return statSync(BUILT_MARKER).mtimeMs >= newestInput();
  } catch {
    return false;
  }
}

let building: Promise<void> | undefined;

/**
 * Runs `node sdk/build.mjs` unless the build is fresh; concurrent and repeated calls share one build.
 * @param timeoutMs Kills the build (and rejects) after this long.
 * @throws Error with the build's output tail when it fails or times out.
 */
export function ensureSdkBuild(timeoutMs = 300_000): Promise<void> {
  if (sdkBuildIsFresh()) return Promise.resolve();
  building ??= new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(SDK_DIR, "build.mjs")], { cwd: SDK_DIR, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-4000);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run sdk/build.mjs: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`sdk/build.mjs failed (${signal ? `killed by ${signal}` : `exit code ${code}`}):\n${output}`));
    });
  }).finally(() => {
    building = undefined;
  });
  return building;
}
