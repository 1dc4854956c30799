import { expect } from "chai";
import hre from "hardhat";
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { JsonRpcProvider } from "ethers";
import { evmContractDeployer } from "../../deploy/contract-deployer";
import { writeDeployment } from "../../deploy/deployment-file";
import { deployMedrec } from "../../deploy/medrec";
import { localChainSigners, startLocalChain, type LocalChain } from "../../era-test-node/local-chain";
import { PatientRegistry__factory, ProviderRegistry__factory } from "../../sdk/chain/contracts";
import { ParticipantKind } from "../../sdk/chain/participant-kind";
import { bytesToHex, generateEncryptionKeyPair } from "../../sdk/crypto";
import { writeConsumerProject } from "./consumer-project";
import { ensureSdkBuild, REPO_ROOT, SDK_DIR } from "../helpers/sdk-build";

/** The Node binary the consumer's scripts (and `tsc`) run on: another Node line in CI, this one otherwise. */
const CONSUMER_NODE = process.env.MEDREC_CONSUMER_NODE ?? process.execPath;
const FIXTURES = path.join(__dirname, "consumer");
const BUNDLE = path.join(REPO_ROOT, "test", "fixtures", "real-world", "ips-document.json");

/** What a consumer script prints (one JSON line). */
interface ConsumerReport {
  records: number;
  tokenId: string;
  consentId: string;
  equal: boolean;
  audit: { patient: string; entries: Array<{ kind: string; tokenId: string | null; recipient: string | null; consentId: string | null }> };
}

/** The environment of a child process: this one's, without the npm variables of the `npm test` that started it. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_(package|lifecycle)_/i.test(key) || /^npm_config_local_prefix$/i.test(key) || key === "INIT_CWD") continue;
    if (key.startsWith("TS_NODE_")) continue; // Hardhat's ts-node settings mean nothing to the consumer
    env[key] = value;
  }
  return { ...env, ...extra };
}

/**
 * Runs `command args` in `cwd` in its own process group, kills the group after `timeoutMs`, and resolves with its
 * stdout; rejects with the command, the reason and the output tail (no environment is ever printed).
 */
function run(command: string, args: string[], options: { cwd: string; timeoutMs: number; env?: Record<string, string> }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: childEnv(options.env), detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-6000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }, options.timeoutMs);
    const name = `${path.basename(command)} ${args.map((arg) => path.basename(arg)).join(" ")}`;
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${name}: could not start (${error.message})`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(stdout);
      const why = timedOut ? `killed after ${options.timeoutMs} ms` : signal ? `killed by ${signal}` : `exit code ${code}`;
      reject(new Error(`${name} failed (${why}):\n${stderr.trim() || stdout.slice(-3000)}`));
    });
  });
}

/** The last line of `stdout` as a consumer report. */
function reportOf(stdout: string): ConsumerReport {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as ConsumerReport;
  } catch {
    throw new Error(`the consumer printed no JSON report:\n${stdout.slice(-2000)}`);
  }
}

describe("packaging: the packed @medrec/sdk in a fresh project (ESM JavaScript and TypeScript)", function () {
  this.timeout(900_000);
  let tmp: string | undefined;
  let project: string;
  let chain: LocalChain | undefined;
  let provider: JsonRpcProvider | undefined;
  const patients: Array<{ key: string; address: string; encryptionKey: string }> = [];
  let grantee: string;
  let deploymentFile: string;
  let consumerNodeVersion: string;

  before(async function () {
    tmp = await mkdtemp(path.join(os.tmpdir(), "medrec-consumer-"));
    project = path.join(tmp, "project");
    await mkdir(project);

    // The package (built once, packed once) and its installation, next to the chain and the deployment.
    const install = (async () => {
      await ensureSdkBuild();
      const packed = JSON.parse(
        await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp!], { cwd: SDK_DIR, timeoutMs: 120_000 }),
      ) as Array<{ filename: string }>;
      const tarball = path.join(tmp!, packed[0].filename);
      await writeConsumerProject({ repoRoot: REPO_ROOT, tarball, dir: project, dependencies: ["ethers"], devDependencies: ["typescript", "@types/node"] });
      await run("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: project, timeoutMs: 600_000 });
      for (const file of ["consumer.mjs", "consumer.mts"]) await copyFile(path.join(FIXTURES, `${file}.txt`), path.join(project, file));
      await copyFile(path.join(FIXTURES, "tsconfig.json"), path.join(project, "tsconfig.json"));
    })();

    const deploy = (async () => {
      chain = await startLocalChain();
      const [deployer, first, second, doctor] = localChainSigners(chain.rpcUrl, 4);
      provider = deployer.provider as JsonRpcProvider;
      const deployment = await deployMedrec(evmContractDeployer((name) => hre.artifacts.readArtifact(name), deployer), deployer);
      const registry = PatientRegistry__factory.connect(deployment.contracts.PatientRegistry.address, provider);
      for (const wallet of [first, second]) {
        const keys = generateEncryptionKeyPair();
        await (await registry.connect(wallet).register(keys.publicKeyHex)).wait();
        patients.push({ key: wallet.privateKey, address: wallet.address, encryptionKey: bytesToHex(keys.privateKey) });
      }
      const providers = ProviderRegistry__factory.connect(deployment.contracts.ProviderRegistry.address, deployer);
      await (await providers.register(doctor.address, ParticipantKind.Provider, generateEncryptionKeyPair().publicKeyHex, bytesToHex(new Uint8Array(32).fill(1)))).wait();
      grantee = doctor.address;
      return deployment;
    })();

    const [, deployment] = await Promise.all([install, deploy]);
    deploymentFile = await writeDeployment("localhost", deployment, project);
    consumerNodeVersion = (await run(CONSUMER_NODE, ["--version"], { cwd: project, timeoutMs: 30_000 })).trim();
  });

  after(async () => {
    provider?.destroy();
    await chain?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  /** Runs a consumer entry file with {@link CONSUMER_NODE} for patient `index` and checks its report. */
  async function runConsumer(entry: string, index: number): Promise<ConsumerReport> {
    const storeDir = path.join(tmp!, `store-${index}`);
    const stdout = await run(CONSUMER_NODE, [entry], {
      cwd: project,
      timeoutMs: 240_000,
      env: {
        MEDREC_RPC_URL: chain!.rpcUrl,
        MEDREC_DEPLOYMENT_FILE: deploymentFile,
        MEDREC_BUNDLE_FILE: BUNDLE,
        MEDREC_STORE_DIR: storeDir,
        MEDREC_PATIENT_KEY: patients[index].key,
        MEDREC_PATIENT_ENCRYPTION_KEY: patients[index].encryptionKey,
        MEDREC_GRANTEE: grantee,
      },
    });
    const report = reportOf(stdout);
    expect(report.records, "a document bundle is one record").to.equal(1);
    expect(report.equal, "the bytes read back equal the record written").to.equal(true);
    expect(report.audit.patient).to.equal(patients[index].address);
    const kinds = report.audit.entries.filter((entry) => entry.tokenId === report.tokenId).map((entry) => entry.kind);
    expect(kinds).to.include.members(["record-created", "grant"]);
    const grant = report.audit.entries.find((entry) => entry.kind === "grant" && entry.tokenId === report.tokenId);
    expect(grant?.recipient).to.equal(grantee);
    expect(grant?.consentId).to.equal(report.consentId);
    return report;
  }

  it("installs offline from the npm cache, with the package's own dependencies and no TypeScript sources", async () => {
    const installed = JSON.parse(await readFile(path.join(project, "node_modules", "@medrec", "sdk", "package.json"), "utf8")) as {
      version: string;
      dependencies: Record<string, string>;
    };
    const source = JSON.parse(await readFile(path.join(SDK_DIR, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string> };
    expect(installed.version).to.equal(source.version);
    expect(installed.dependencies).to.deep.equal(source.dependencies);
    const listing = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: SDK_DIR, timeoutMs: 120_000 });
    const files = (JSON.parse(listing) as Array<{ files: Array<{ path: string }> }>)[0].files.map((file) => file.path);
    expect(files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts")), "no TypeScript sources in the tarball").to.deep.equal([]);
    expect(files).to.include.members([
      "dist/esm/index.js",
      "dist/esm/prepare-worker.js",
      "dist/esm/types/index.d.ts",
      "dist/cjs/index.js",
      "dist/cjs/index.d.ts",
      "dist/cjs/chain/contracts/index.d.ts",
    ]);
  });

  it("plain ESM JavaScript: ingest, grant, read back, audit", async () => {
    await runConsumer("consumer.mjs", 0);
  });

  it("TypeScript (strict, nodenext) compiled against the installed declarations: ingest, grant, read back, audit", async () => {
    await run(CONSUMER_NODE, [path.join("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: project, timeoutMs: 240_000 });
    await runConsumer(path.join("out", "consumer.mjs"), 1);
  });

  it("the README's ten-line integration of a provider system type-checks (strict) against the installed package", async () => {
    const readme = await readFile(path.join(REPO_ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## A provider system's integration"));
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(code, "the README has the integration snippet").to.be.a("string");
    const lines = code!.split("\n").filter((line) => line.trim() !== "");
    expect(lines.length, "ten lines of code").to.be.at.most(10);
    expect(code).to.include('from "@medrec/sdk"');
    await writeFile(path.join(project, "readme-integration.mts"), `${code}\nexport {};\n`);
    const config = JSON.parse(await readFile(path.join(project, "tsconfig.json"), "utf8")) as { compilerOptions: object };
    await writeFile(
      path.join(project, "tsconfig.readme.json"),
      JSON.stringify({ compilerOptions: { ...config.compilerOptions, noEmit: true }, files: ["readme-integration.mts"] }),
    );
    await run(CONSUMER_NODE, [path.join("node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.readme.json"], { cwd: project, timeoutMs: 240_000 });
  });

  it("CommonJS require() of the package gets the same surface", async () => {
    const script = "const sdk = require('@medrec/sdk'); const k = sdk.crypto.generateEncryptionKeyPair(); console.log(JSON.stringify({ keys: Object.keys(sdk).sort(), pub: k.publicKeyHex.length }))";
    const esm = "import * as sdk from '@medrec/sdk'; console.log(JSON.stringify(Object.keys(sdk).sort()))";
    const cjs = JSON.parse(await run(CONSUMER_NODE, ["-e", script], { cwd: project, timeoutMs: 60_000 })) as { keys: string[]; pub: number };
    const esmKeys = JSON.parse(await run(CONSUMER_NODE, ["--input-type=module", "-e", esm], { cwd: project, timeoutMs: 60_000 })) as string[];
    expect(cjs.pub).to.equal(66); // 0x + 32 bytes
    expect(cjs.keys).to.deep.equal(esmKeys.filter((key) => key !== "default"));
    console.log(`      (consumer node ${consumerNodeVersion})`);
  });

  it("the preparation worker (started by file path) runs from both builds", async () => {
    // concurrency 2 = this thread and one worker, which prepares one of the two inputs from dist/esm or dist/cjs.
    // Script files, not `-e`: a worker inherits the parent's execArgv, and `--input-type` is refused for a file.
    const prepare = `const input = new Uint8Array(readFileSync(${JSON.stringify(BUNDLE)}));
sdk.records.prepareInParallel([input, input], { concurrency: 2 })
  .then((out) => console.log(JSON.stringify(out.map((o) => (o.records ? o.records.length : String(o.error))))));
`;
    await writeFile(path.join(project, "prepare.mjs"), `import * as sdk from "@medrec/sdk";\nimport { readFileSync } from "node:fs";\n${prepare}`);
    await writeFile(path.join(project, "prepare.cjs"), `const sdk = require("@medrec/sdk");\nconst { readFileSync } = require("node:fs");\n${prepare}`);
    for (const script of ["prepare.mjs", "prepare.cjs"]) {
      const out = await run(CONSUMER_NODE, [script], { cwd: project, timeoutMs: 120_000 });
      expect(JSON.parse(out), script).to.deep.equal([1, 1]);
    }
  });
});
