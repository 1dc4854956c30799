/**
 * The CLI as a newcomer drives it against a fresh local chain, through the real `bin/medrec`: a new identity with
 * no ETH is told how to get some (`patient create --fund-from-dev-account`, refused off a local chain), then
 * `record add` → `record list` (each token once, with kind, encounter, period from the decrypted records; `-` and
 * why for another identity) → `audit` (the record creations of one ingest on one line; `--wide`/`--all` each),
 * and stdout carries nothing but the result (`--json` parses, also through `npm run -s cli --`).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { JsonRpcProvider } from "ethers";
import { localChainSigners, startLocalChain, type LocalChain } from "../../era-test-node/local-chain";
import { evmContractDeployer } from "../../deploy/contract-deployer";
import { deployMedrec, type MedrecDeployment } from "../../deploy/medrec";
import { writeDeployment } from "../../deploy/deployment-file";
import { splitBundle } from "../../sdk/fhir";
import { describeRecord } from "../../sdk/records/describe";
import { generatePatientBundles } from "../fixtures/generate";
import { ensureCliBuild } from "../helpers/cli-build";
import { runCli, type CliRun } from "../helpers/cli-run";

const PASSPHRASE = "newcomer passphrase (cli test)";
const ROOT = path.resolve(__dirname, "..", "..");

describe("medrec CLI for a newcomer: fund, add, list, audit on a fresh local chain", function () {
  this.timeout(180_000);

  let chain: LocalChain;
  let rpc: JsonRpcProvider;
  let deployment: MedrecDeployment;
  let dir: string;
  let deploymentFile: string;
  let env: NodeJS.ProcessEnv;
  let address: string;
  let bundleFile: string;
  let bundle: ReturnType<typeof generatePatientBundles>[number];
  let tokens: { tokenId: string; kind: string; encounter: string | null }[] = [];

  const medrec = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { cwd: dir, env: { ...env, ...extra } });
  async function ok(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<CliRun> {
    const result = await medrec(args, extra);
    expect(result.code, `medrec ${args.join(" ")}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).to.equal(0);
    return result;
  }

  before(async () => {
    await ensureCliBuild();
    chain = await startLocalChain();
    const [deployer, resolver] = localChainSigners(chain.rpcUrl, 2);
    rpc = deployer.provider as JsonRpcProvider;
    deployment = await deployMedrec(evmContractDeployer((name) => hre.artifacts.readArtifact(name), deployer), deployer, { resolver: resolver.address });
    dir = await mkdtemp(path.join(os.tmpdir(), "medrec-newcomer-"));
    deploymentFile = await writeDeployment("localhost", deployment, dir);
    env = { ...process.env, MEDREC_HOME: path.join(dir, "home"), MEDREC_PASSPHRASE: PASSPHRASE };
    for (const name of ["MEDREC_PRIVATE_KEY", "MEDREC_DEBUG", "COLUMNS"]) delete env[name];
    [bundle] = generatePatientBundles({ seed: 23, patients: 1 });
    bundleFile = path.join(dir, "bundle.json");
    await writeFile(bundleFile, JSON.stringify(bundle, null, 2));
  });

  after(async () => {
    rpc?.destroy();
    await chain?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a new identity without ETH is told the way forward: --fund-from-dev-account", async () => {
    const init = JSON.parse((await ok(["init", "--rpc", chain.rpcUrl, "--deployment", deploymentFile, "--no-ceramic", "--json"])).stdout);
    address = init.identity.address;
    expect(init.identity.imported).to.equal(false);
    expect(await rpc.getBalance(address)).to.equal(0n);
    const broke = await medrec(["patient", "create"]);
    expect(broke.code, broke.stderr).to.equal(5);
    expect(broke.stderr).to.include("has no ETH");
    expect(broke.stderr).to.include("medrec patient create --fund-from-dev-account");
  });

  it("--fund-from-dev-account is refused off a local chain, before anything is sent", async () => {
    const home = path.join(dir, "home");
    const configFile = path.join(home, "config.json");
    const original = await readFile(configFile, "utf8");
    const config = JSON.parse(original);
    try {
      await writeFile(configFile, JSON.stringify({ ...config, chainId: "324", deployment: { ...config.deployment, network: "zkSyncMainnet" } }));
      const refused = await medrec(["patient", "create", "--fund-from-dev-account", "--json"]);
      expect(refused.code, refused.stderr).to.equal(2);
      expect(JSON.parse(refused.stderr).error.code).to.equal("NOT_LOCAL_CHAIN");
      expect(JSON.parse(refused.stderr).error.message).to.include("local development chain only");
      expect(await rpc.getBalance(address)).to.equal(0n);
    } finally {
      await writeFile(configFile, original);
    }
  });

  it("patient create --fund-from-dev-account funds the identity from the node's dev account, then registers it", async () => {
    const { stdout } = await ok(["patient", "create", "--fund-from-dev-account", "--json"]);
    const created = JSON.parse(stdout);
    expect(created.registered).to.equal(true);
    expect(created.alreadyRegistered).to.equal(false);
    const [devAccount] = (await rpc.send("eth_accounts", [])) as string[];
    expect(created.funding.from.toLowerCase()).to.equal(devAccount.toLowerCase());
    expect(created.funding.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(BigInt(created.funding.amountWei)).to.be.greaterThan(0n);
    expect(await rpc.getBalance(address)).to.be.greaterThan(0n);
    const again = await ok(["patient", "create", "--fund-from-dev-account"]);
    expect(again.stdout).to.include("already registered");
    expect(again.stdout).to.include("not needed");
  });

  it("record list shows each token once, with its kind and, decrypted, its encounter, period and size", async () => {
    const added = JSON.parse((await ok(["record", "add", bundleFile, "--json"])).stdout);
    tokens = added.records;
    expect(tokens.length).to.be.greaterThan(2);
    // one process at a time opens the Helia store (it takes no lock)
    const json = await ok(["record", "list", "--json"]);
    const human = await ok(["record", "list"], { COLUMNS: "200" });
    const listed = JSON.parse(json.stdout);
    expect(listed.patient).to.equal(address);
    expect(listed.records.map((r: { tokenId: string }) => r.tokenId)).to.deep.equal(tokens.map((t) => t.tokenId));
    const records = splitBundle(bundle);
    const expected = new Map(records.map((r) => [`${r.kind}|${r.encounter ?? ""}`, describeRecord(r.bundle, records.map((o) => o.bundle))]));
    for (const [index, record] of listed.records.entries()) {
      expect(record).to.include({ kind: tokens[index].kind, version: "1", readable: true, encounter: tokens[index].encounter });
      const description = expected.get(`${record.kind}|${record.encounter ?? ""}`)!;
      expect(record.period).to.deep.equal(description.period ?? null);
      expect(record.size).to.be.a("number").greaterThan(0);
    }
    expect(listed.records.some((r: { period: unknown }) => r.period !== null)).to.equal(true);
    const lines = human.stdout.trimEnd().split("\n");
    expect(lines[1]).to.match(/^\s*TOKEN\s+KIND\s+ENCOUNTER\s+PERIOD\s+SIZE\s+VERSION$/);
    for (const token of tokens) expect(lines.filter((line) => new RegExp(`^\\s*${token.tokenId}\\s+${token.kind}\\s`).test(line)), `token ${token.tokenId}`).to.have.length(1);
    const withPeriod = listed.records.find((r: { period: unknown }) => r.period !== null);
    const p = withPeriod.period.start === withPeriod.period.end ? withPeriod.period.start : `${withPeriod.period.start}..${withPeriod.period.end}`;
    expect(lines.find((line) => new RegExp(`^\\s*${withPeriod.tokenId}\\s`).test(line))).to.include(p);
  });

  it("record list for an identity that holds no wrap: on-chain columns, '-' and why", async () => {
    const other = { MEDREC_HOME: path.join(dir, "other") };
    await ok(["init", "--rpc", chain.rpcUrl, "--deployment", deploymentFile, "--no-ceramic"], other);
    const human = await ok(["record", "list", "--patient", address], other);
    expect(human.stdout).to.include(`for ${tokens.length} records`);
    expect(human.stdout).to.include("not readable with this identity's key");
    const listed = JSON.parse((await ok(["record", "list", "--patient", address, "--json"], other)).stdout);
    expect(listed.records).to.have.length(tokens.length);
    for (const record of listed.records) expect(record).to.include({ readable: false, encounter: null, period: null, size: null, unreadable: "not readable with this identity's key" });
  });

  it("audit: the ingest's record creations are one line; --wide and --all list each; JSON and CSV stay complete", async () => {
    const [table, wide, all, json, csv] = await Promise.all([
      ok(["audit"], { COLUMNS: "100" }),
      ok(["audit", "--wide"]),
      ok(["audit", "--all"], { COLUMNS: "100" }),
      ok(["audit", "--json"]),
      ok(["audit", "--format", "csv"]),
    ]);
    // Derived token ids are not consecutive: the line counts them (the column shortened to fit 100 columns).
    expect(table.stdout, table.stdout).to.match(new RegExp(`${tokens.length} records created\\s+#\\d+.*\\(${tokens.length}\\)`));
    expect(table.stdout.split("\n").filter((line) => line.includes("record-created"))).to.have.length(0);
    for (const line of table.stdout.trimEnd().split("\n")) expect([...line].length, line).to.be.at.most(100);
    expect(table.stdout).to.include("…"); // addresses shortened to fit
    for (const run of [wide, all]) expect(run.stdout.split("\n").filter((line) => line.includes("record-created"))).to.have.length(tokens.length);
    expect(wide.stdout).to.include(address); // whole
    expect(JSON.parse(json.stdout).entries.filter((e: { kind: string }) => e.kind === "record-created")).to.have.length(tokens.length);
    expect(csv.stdout.split("\r\n").filter((line) => line.startsWith("record-created,"))).to.have.length(tokens.length);
  });

  it("stdout is the result only: --json parses, through bin/medrec and npm run -s cli", async () => {
    for (const command of [undefined, ["npm", "run", "-s", "cli", "--"]]) {
      const run = await runCli(["--json", "record", "list"], { cwd: ROOT, env, command });
      expect(run.code, run.stderr).to.equal(0);
      expect(JSON.parse(run.stdout).records).to.have.length(tokens.length);
      expect(run.stderr).to.not.match(/warning|deprecat/i);
    }
    const version = await runCli(["--version"], { cwd: ROOT, env });
    expect(version.stdout).to.equal(`${JSON.parse(await readFile(path.join(ROOT, "package.json"), "utf8")).version}\n`);
  });
});
