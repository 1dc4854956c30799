import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ceramicHelpersDir } from "../../../cli/src/ceramic/assets";
import { stopCeramicDaemon } from "../../../cli/src/ceramic/background";
import { readDaemonRecord } from "../../../cli/src/ceramic/daemon-record";
import { isCeramicHealthy } from "../../../cli/src/ceramic/health";
import { isProcessAlive } from "../../../cli/src/ceramic/processes";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const BUILT = path.join(ROOT, "cli", "dist", "cli", "src", "ceramic");
const run = promisify(execFile);

/** Runs `script` in a plain node process (no ts-node) in the package root; its stdout. */
async function node(script: string, timeoutMs: number): Promise<string> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const { stdout } = await run(process.execPath, ["-e", script], { cwd: ROOT, env, timeout: timeoutMs, killSignal: "SIGKILL" });
  return stdout;
}

describe("cli/src/ceramic compiled launcher (npm run build → cli/dist/cli/src/ceramic)", function () {
  this.timeout(240_000);

  let stateDir: string;
  before(async function () {
    await run("npm", ["run", "build"], { cwd: ROOT, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
    stateDir = mkdtempSync(path.join(tmpdir(), "medrec-ceramic-built-"));
  });
  after(async () => {
    if (stateDir === undefined) return;
    await stopCeramicDaemon(stateDir).catch(() => undefined);
    const pid = readDaemonRecord(stateDir)?.pid;
    if (pid !== undefined && isProcessAlive(pid)) process.kill(pid, "SIGKILL");
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("the build has the .cjs helpers next to the compiled launcher, and the launcher finds them there", () => {
    expect(ceramicHelpersDir(BUILT)).to.equal(BUILT);
    // Code compiled elsewhere in the package (e.g. tsc without the copy step) falls back to the source folder.
    expect(ceramicHelpersDir(path.join(ROOT, "sdk", "consent"))).to.equal(path.join(ROOT, "cli", "src", "ceramic"));
    expect(() => ceramicHelpersDir(tmpdir())).to.throw(/ceramic daemon helpers/);
  });

  it("startCeramicDaemon from cli/dist starts a healthy daemon and stops it", async () => {
    const out = await node(
      `const { startCeramicDaemon } = require("./cli/dist/cli/src/ceramic/daemon.js");
       (async () => {
         const started = Date.now();
         const daemon = await startCeramicDaemon();
         const health = await fetch(daemon.url + "/api/v0/node/healthcheck", { signal: AbortSignal.timeout(5000) });
         const exit = await daemon.stop();
         console.log(JSON.stringify({ healthy: health.ok, exit, ms: Date.now() - started }));
       })().catch((error) => { console.error(error); process.exit(1); });`,
      120_000,
    );
    const result = JSON.parse(out.trim().split("\n").pop()!) as { healthy: boolean; exit: { code: number }; ms: number };
    expect(result.healthy).to.equal(true);
    expect(result.exit.code).to.equal(0);
    console.log(`      (built launcher: start + stop ${result.ms} ms)`);
  });

  it("ensureCeramicDaemon from cli/dist leaves a daemon running after its process exits; the next process reuses it", async () => {
    const ensure = `const { ensureCeramicDaemon } = require("./cli/dist/cli/src/ceramic/background.js");
      ensureCeramicDaemon({ stateDir: ${JSON.stringify(stateDir)} })
        .then((daemon) => console.log(JSON.stringify(daemon)))
        .catch((error) => { console.error(error); process.exit(1); });`;
    const first = JSON.parse((await node(ensure, 120_000)).trim()) as { url: string; pid: number; modelId: string; started: boolean };
    expect(first.started).to.equal(true);
    expect(isProcessAlive(first.pid), "daemon outlived the process that started it").to.equal(true);
    expect(await isCeramicHealthy(first.url)).to.equal(true);

    const second = JSON.parse((await node(ensure, 60_000)).trim()) as typeof first;
    expect(second).to.deep.equal({ ...first, started: false });

    expect(await stopCeramicDaemon(stateDir)).to.equal(true);
    expect(isProcessAlive(first.pid)).to.equal(false);
  });
});
