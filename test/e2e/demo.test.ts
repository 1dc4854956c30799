import { spawn } from "node:child_process";
import { connect } from "node:net";
import { stat } from "node:fs/promises";
import path from "node:path";
import { expect } from "chai";
import { id, isAddress } from "ethers";
import { readDeployment } from "../../deploy/deployment-file";
import { CORE_CONTRACTS } from "../../deploy/medrec";
import { localChainSigners } from "../../era-test-node/local-chain";

const ROOT = path.resolve(__dirname, "..", "..");

/** Output and exit status of one finished command. */
interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The demo's environment: no telemetry prompt, no ZKSYNC_RPC_URL (it starts its own chain), Ceramic as `extra`
 * says (default on: it starts its own daemon).
 */
function demoEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HARDHAT_TELEMETRY_DISABLED: "1", HARDHAT_DISABLE_TELEMETRY_PROMPT: "true", ...extra };
  delete env.ZKSYNC_RPC_URL;
  if (extra.MEDREC_DEMO_CERAMIC === undefined) delete env.MEDREC_DEMO_CERAMIC;
  return env;
}

/**
 * Runs `command` in its own process group; on timeout sends SIGTERM (the demo then stops its chain)
 * and SIGKILL 5 s later.
 */
function run(command: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = demoEnv()): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      kill("SIGTERM");
      setTimeout(() => kill("SIGKILL"), 5_000).unref();
      reject(new Error(`${command} ${args.join(" ")} timed out after ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Whether a TCP connection to `host:port` is refused. */
function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

/** The purpose text the demo's patient writes into the consent document. */
const PURPOSE_TEXT = "Dr. Rivera at the demo clinic may read my latest lab results for my follow-up visit";

describe("e2e: npm run demo (with its own Ceramic daemon, the default)", function () {
  this.timeout(180_000);

  let result: RunResult;
  let startedAt: number;

  before(async () => {
    startedAt = Date.now();
    result = await run("npx", ["hardhat", "run", "demo/run.ts"], 150_000);
  });

  it("exits with code 0", () => {
    expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).to.equal(0);
  });

  it("prints the event trail in chain order", () => {
    const trail = result.stdout.slice(result.stdout.indexOf("Event trail"));
    expect(trail).to.not.equal("", "no event trail printed");
    const expected = [
      "PatientRegistered",
      "ParticipantRegistered",
      "RecordMinted",
      "AccessGranted",
      "Disclosure",
      "AccessRevoked",
      "EmergencyAccessGranted",
      "Disclosure",
      "RecordBurned",
    ];
    let from = 0;
    for (const name of expected) {
      const at = trail.slice(from).search(new RegExp(`\\s${name}\\s`));
      expect(at, `${name} after offset ${from} in:\n${trail}`).to.be.greaterThan(-1);
      from += at + name.length + 1;
    }
    expect(result.stdout).to.match(/hasAccess\(provider, record #(\d+), READ\) = true[\s\S]*hasAccess\(provider, record #\1, READ\) = false/);
    expect(trail).to.include("purpose=ETREAT (emergency)");
  });

  it("ingests the synthetic bundle, reads a record back identical, and audits grant, disclosure and revocation", () => {
    expect(result.stdout).to.match(/17 resources → \d+ records/);
    expect(result.stdout).to.match(/identical to the input: true/);
    expect(result.stdout).to.match(/a stranger's key cannot open it: refused, RECORD_KEY_NOT_FOUND/);
    const audit = result.stdout.slice(result.stdout.indexOf("Audit:"));
    for (const kind of ["grant", "disclosure", "revocation", "emergency-access"]) expect(audit).to.match(new RegExp(`\\s${kind}\\s`));
    expect(result.stdout).to.match(/medrec CLI[\s\S]*kind,timestamp,blockNumber[\s\S]*\n\s+disclosure,/);
  });

  it("reads through the resolver, is refused after revoke, breaks glass with 2 of 3 Safe signatures only, expires, and erases", () => {
    const out = result.stdout;
    expect(out).to.match(/released the key of record #\d+ to a one-time X25519 key/);
    expect(out).to.match(/byte-identical to what was written: true/);
    expect(out).to.match(/revokes the consent[\s\S]*the provider asks again: refused, 403 ACCESS_DENIED/);
    expect(out).to.match(/executing with 1 of 3: refused, THRESHOLD_NOT_MET/);
    expect(out).to.match(/executed with 2 of 3: Safe execTransaction 0x[0-9a-f]{4}…[0-9a-f]{4}, \d+ gas/);
    expect(out).to.match(/released under ETREAT \(emergency\)/);
    expect(out).to.match(/has expired, and the resolver refuses\n\s+the provider asks again: refused, 403 ACCESS_DENIED/);
    expect(out).to.match(/ciphertext unpinned: true/);
    expect(out).to.match(/shredded its wrap: true/);
    expect(out).to.match(/refused, 410 RECORD_ERASED/);
    const audit = out.slice(out.indexOf("Audit:"));
    expect(audit).to.match(/emergency-access .*\(break-glass Safe\)/);
    expect(audit).to.match(/\srecord-erased\s/);
  });

  it("writes the grant's consent document to Ceramic (metadataId = keccak256(streamId)) and shows its purpose text in the consent list and the audit", () => {
    const out = result.stdout;
    const document = /consent document (k[0-9a-z]+) \(active\); metadataId = keccak256\(streamId\) = (0x[0-9a-f]{4})…([0-9a-f]{4})/.exec(out);
    expect(document, out).to.not.equal(null);
    const metadataId = id(document![1]);
    expect(metadataId.startsWith(document![2]) && metadataId.endsWith(document![3]), "metadataId is keccak256(streamId)").to.equal(true);
    expect(out).to.include(`consent list: record #`);
    expect(out).to.include(`(provider): "${PURPOSE_TEXT}"`);
    expect(out).to.include(`document ${document![1]} now inactive`);
    const audit = out.slice(out.indexOf("Audit:"));
    expect(audit).to.match(new RegExp(`grant of record #\\d+ to 0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4} \\(provider\\), in the patient's words: "${PURPOSE_TEXT}"`));
  });

  it("stops the Ceramic daemon it started", async () => {
    const match = /ceramic: http:\/\/([\d.]+):(\d+), MedrecConsent model k/.exec(result.stdout);
    expect(match, "URL of the demo's Ceramic daemon").to.not.equal(null);
    expect(await refused(match![1], Number(match![2]))).to.equal(true);
  });

  it("never prints a private key", () => {
    const output = (result.stdout + result.stderr).toLowerCase();
    const wallets = localChainSigners("http://127.0.0.1:1", 20);
    wallets[0].provider!.destroy();
    for (const wallet of wallets) expect(output).to.not.include(wallet.privateKey.slice(2).toLowerCase());
  });

  it("writes deployments/localhost.json with the four contract addresses", async () => {
    const file = path.join(ROOT, "deployments", "localhost.json");
    expect((await stat(file)).mtimeMs).to.be.greaterThanOrEqual(startedAt - 1_000);
    const deployment = await readDeployment("localhost", ROOT);
    expect(deployment.network).to.equal("localhost");
    expect(deployment.chainId).to.equal(31337);
    for (const name of CORE_CONTRACTS) expect(isAddress(deployment.contracts[name].address), name).to.equal(true);
  });

  it("stops the chain it started", async () => {
    const match = /local chain: hardhat-node at http:\/\/([\d.]+):(\d+)/.exec(result.stdout);
    expect(match, "RPC URL of the demo chain").to.not.equal(null);
    expect(await refused(match![1], Number(match![2]))).to.equal(true);
  });
});

describe("e2e: MEDREC_DEMO_CERAMIC=0 npm run demo (no Ceramic)", function () {
  this.timeout(180_000);

  let result: RunResult;

  before(async () => {
    result = await run("npx", ["hardhat", "run", "demo/run.ts"], 150_000, demoEnv({ MEDREC_DEMO_CERAMIC: "0" }));
  });

  it("runs the whole story; the grant carries no document (metadataId zero) and the audit says so", () => {
    expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).to.equal(0);
    const out = result.stdout;
    expect(out).to.include("ceramic: off (MEDREC_DEMO_CERAMIC=0)");
    expect(out).to.include(`no consent document; metadataId 0x${"0".repeat(64)}`);
    expect(out).to.match(/consent list: record #\d+ to .*\(provider\): \(no document\)/);
    expect(out).to.match(/byte-identical to what was written: true/);
    expect(out).to.match(/in the patient's words: no consent document \(metadataId 0\)/);
    expect(out).to.not.include(PURPOSE_TEXT);
  });
});
