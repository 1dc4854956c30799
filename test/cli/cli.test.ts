/**
 * The `medrec` CLI end to end: a local chain, a fresh deployment, and the real `bin/medrec` run as child
 * processes against it (init → patient create → record add → record get → consent grant/list/revoke → audit),
 * with the error paths and their exit codes, and a check that no private key is ever on disk in the clear.
 */
import { lstat, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { HDNodeWallet, JsonRpcProvider, hexlify, keccak256, randomBytes, toUtf8Bytes, type Wallet } from "ethers";
import { HARDHAT_MNEMONIC, localChainSigners, startLocalChain, type LocalChain } from "../../era-test-node/local-chain";
import { evmContractDeployer } from "../../deploy/contract-deployer";
import { deployMedrec, type MedrecDeployment } from "../../deploy/medrec";
import { writeDeployment } from "../../deploy/deployment-file";
import { ConsentManager__factory, PatientRegistry__factory, ProviderRegistry__factory, RecordToken__factory } from "../../sdk/chain/contracts";
import { ParticipantKind } from "../../sdk/chain/participant-kind";
import { Scope } from "../../sdk/vocabulary";
import { canonicalJson, canonicalize, parseFhirJson } from "../../sdk/fhir";
import { generatePatientBundles } from "../fixtures/generate";
import { identityDir, unlockEncryptionKey } from "../../cli/src/identity";
import { runCli, type CliRun } from "../helpers/cli-run";
import { ensureCliBuild } from "../helpers/cli-build";

const ROOT = path.resolve(__dirname, "..", "..");
const PASSPHRASE = "correct horse battery staple (cli test)";

type RunResult = CliRun;

/** Canonical bytes of each resource of a bundle, sorted: a multiset to compare bundles by content. */
function resourceSet(bundle: { entry?: { resource?: unknown }[] }): string[] {
  return (bundle.entry ?? []).map((entry) => Buffer.from(canonicalize(entry.resource)).toString("hex")).sort();
}

/** Every file below `dir`. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

describe("medrec CLI: bin/medrec against a local chain", function () {
  this.timeout(180_000);

  let chain: LocalChain;
  let rpc: JsonRpcProvider;
  let deployment: MedrecDeployment;
  let dir: string;
  let home: string;
  let deploymentFile: string;
  let patientKey: string;
  let patientAddress: string;
  let provider: Wallet;
  let env: NodeJS.ProcessEnv;
  const outputs: string[] = [];
  let bundleTokens: string[] = [];
  let bundleFile: string;
  let bundle: ReturnType<typeof generatePatientBundles>[number];

  /** Runs `bin/medrec args` with the test's environment. */
  async function medrec(args: string[], extraEnv: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<RunResult> {
    const result = await runCli(args, { cwd: dir, env: { ...env, ...extraEnv }, timeoutMs });
    outputs.push(result.stdout, result.stderr);
    return result;
  }

  /** Runs and expects exit code 0; returns stdout parsed as JSON when `json`. */
  async function ok(args: string[]): Promise<RunResult> {
    const result = await medrec(args);
    expect(result.code, `medrec ${args.join(" ")}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).to.equal(0);
    return result;
  }

  const records = () => RecordToken__factory.connect(deployment.contracts.RecordToken.address, rpc);
  const consents = () => ConsentManager__factory.connect(deployment.contracts.ConsentManager.address, rpc);

  before(async () => {
    await ensureCliBuild();
    chain = await startLocalChain();
    const signers = localChainSigners(chain.rpcUrl, 5);
    const [deployer, resolver] = signers;
    provider = signers[4];
    rpc = deployer.provider as JsonRpcProvider;
    deployment = await deployMedrec(evmContractDeployer((name) => hre.artifacts.readArtifact(name), deployer), deployer, { resolver: resolver.address });
    dir = await mkdtemp(path.join(os.tmpdir(), "medrec-cli-"));
    home = path.join(dir, "home");
    deploymentFile = await writeDeployment("clitest", deployment, dir);
    const providers = ProviderRegistry__factory.connect(deployment.contracts.ProviderRegistry.address, deployer);
    await (await providers.register(provider.address, ParticipantKind.Provider, hexlify(randomBytes(32)), keccak256(toUtf8Bytes("cli test clinic")))).wait();

    const patient = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, "m/44'/60'/0'/0/3");
    patientKey = patient.privateKey;
    patientAddress = patient.address;
    env = { ...process.env, MEDREC_HOME: home, MEDREC_PASSPHRASE: PASSPHRASE, MEDREC_PRIVATE_KEY: patientKey };
    delete env.MEDREC_DEBUG;

    [bundle] = generatePatientBundles({ seed: 11, patients: 1 });
    bundleFile = path.join(dir, "bundle.json");
    await writeFile(bundleFile, JSON.stringify(bundle, null, 2));
  });

  after(async () => {
    rpc?.destroy();
    await chain?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("init writes the config and an encrypted identity (files 0600) for the imported key", async () => {
    // Without Ceramic (its own test, cli-ceramic.test.ts, runs the daemon): consents name no document.
    const { stdout } = await ok(["init", "--rpc", chain.rpcUrl, "--deployment", deploymentFile, "--no-ceramic", "--json"]);
    const result = JSON.parse(stdout);
    expect(result.identity.address).to.equal(patientAddress);
    expect(result.identity.imported).to.equal(true);
    expect(result.identity.encryptionPublicKey).to.match(/^0x[0-9a-f]{64}$/);
    const config = JSON.parse(await readFile(path.join(home, "config.json"), "utf8"));
    expect(config.chainId).to.equal(chain.chainId.toString());
    expect(config.rpcUrl).to.equal(chain.rpcUrl);
    expect(config.startBlock).to.equal(deployment.startBlock);
    expect(config.contracts.ConsentManager).to.equal(deployment.contracts.ConsentManager.address);
    expect(config.ipfs).to.equal(path.join(home, "ipfs"));
    expect(config.keys).to.equal(path.join(home, "keys"));
    expect(config.ceramic).to.deep.equal({ enabled: false });
    for (const file of ["config.json", "identity/ethereum.json", "identity/x25519.json"]) {
      expect((await stat(path.join(home, file))).mode & 0o777, file).to.equal(0o600);
    }
  });

  it("patient create registers the identity with its X25519 key", async () => {
    const { stdout } = await ok(["patient", "create", "--json"]);
    const result = JSON.parse(stdout);
    expect(result.address).to.equal(patientAddress);
    expect(result.did).to.equal(`did:pkh:eip155:${chain.chainId}:${patientAddress.toLowerCase()}`);
    const registry = PatientRegistry__factory.connect(deployment.contracts.PatientRegistry.address, rpc);
    expect(await registry.encryptionKeyOf(patientAddress)).to.equal(result.encryptionPublicKey);
  });

  it("record add ingests a bundle: one token per record, JSON output, no progress bar with --json", async () => {
    const before = await records().balanceOf(patientAddress);
    const { stdout, stderr } = await ok(["record", "add", bundleFile, "--json", "--progress"]);
    const result = JSON.parse(stdout);
    expect(result.patient).to.equal(patientAddress);
    expect(result.records.length).to.be.greaterThan(1);
    bundleTokens = result.records.map((r: { tokenId: string }) => r.tokenId);
    expect(new Set(bundleTokens).size).to.equal(bundleTokens.length);
    expect(await records().balanceOf(patientAddress)).to.equal(before + BigInt(bundleTokens.length));
    for (const record of result.records) {
      expect(record.cid).to.match(/^baf/);
      expect((await records().recordOf(BigInt(record.tokenId))).contentHash).to.equal(record.contentHash);
    }
    expect(stderr).to.not.include("records [");
    expect(stderr).to.not.include("validating [");
  });

  it("record add prints a table and, with --progress, a progress bar on stderr", async () => {
    const file = path.join(dir, "observation.json");
    const observation = bundle.entry!.find((e) => e.resource?.resourceType === "Observation")!.resource!;
    await writeFile(file, JSON.stringify(observation));
    const { stdout, stderr } = await ok(["record", "add", file, "--progress"]);
    expect(stdout).to.match(/TOKEN\s+STATUS\s+KIND\s+ENCOUNTER \/ PERIOD\s+SIZE\s+CID/);
    expect(stdout).to.include("Observation");
    // Progress counts records and bytes (a single resource is one record), never files.
    expect(stderr).to.match(/^records \[########################\] 1\/1 {2}[0-9.]+ (?:B|KiB|MiB) of [0-9.]+ (?:B|KiB|MiB)$/m);
  });

  it("record get gives back the bundle that was added, exactly (canonical form), resourceType first", async () => {
    const { stdout, stderr } = await ok(["record", "get", ...bundleTokens]);
    expect(stdout.startsWith('{\n  "resourceType": "Bundle",')).to.equal(true);
    expect(canonicalJson(parseFhirJson(stdout))).to.equal(canonicalJson(bundle));
    expect(stderr).to.not.include("note:");
  });

  it("record add of the same file again mints nothing and says the records are unchanged", async () => {
    const before = await records().balanceOf(patientAddress);
    const { stdout } = await ok(["record", "add", bundleFile, "--json"]);
    const result = JSON.parse(stdout);
    expect(result.minted).to.equal(0);
    expect(result.unchanged).to.equal(bundleTokens.length);
    expect(result.records.map((r: { tokenId: string; status: string }) => [r.tokenId, r.status])).to.deep.equal(bundleTokens.map((t) => [t, "unchanged"]));
    expect(await records().balanceOf(patientAddress)).to.equal(before);
    const human = await ok(["record", "add", bundleFile]);
    expect(human.stdout).to.include(`0 records minted to ${patientAddress}; ${bundleTokens.length} already stored unchanged (not minted again)`);
    expect((await stat(path.join(home, "ingest-index"))).mode & 0o777).to.equal(0o600);
  });

  it("a real-world-shaped transaction comes back byte-for-byte, decimals as written (1532.80, 0.40, 4.0)", async () => {
    const file = path.join(ROOT, "test", "fixtures", "real-world", "synthea-transaction.json");
    const { stdout } = await ok(["record", "add", file, "--json"]);
    const tokens = JSON.parse(stdout).records.map((r: { tokenId: string }) => r.tokenId);
    const out = path.join(dir, "transaction-back.json");
    const got = await ok(["record", "get", ...tokens, "--out", out, "--json"]);
    expect(JSON.parse(got.stdout)).to.deep.include({ exact: true, differences: [] });
    const text = await readFile(out, "utf8");
    for (const literal of ['"value": 1532.80', '"value": 0.40', '"value": 4.0', '"value": 91.50']) expect(text).to.include(literal);
    expect(canonicalJson(parseFhirJson(text))).to.equal(canonicalJson(parseFhirJson(await readFile(file))));
    // One record of it: a valid Bundle of its entries, and a note on stderr saying what is missing.
    const one = await ok(["record", "get", tokens[0]]);
    expect(one.stderr).to.match(/^note: the transaction bundle: \d+ of its \d+ entries are not among the records exported$/m);
    expect(JSON.parse(one.stdout).type).to.equal("transaction");
  });

  it("record get --out writes one record's Bundle to a 0600 file", async () => {
    const out = path.join(dir, "record.json");
    const { stdout } = await ok(["record", "get", bundleTokens[0], "--out", out, "--json"]);
    expect(JSON.parse(stdout).records[0].tokenId).to.equal(bundleTokens[0]);
    const written = JSON.parse(await readFile(out, "utf8"));
    expect(written.resourceType).to.equal("Bundle");
    expect(written.entry.length).to.be.greaterThan(0);
    for (const key of resourceSet(written)) expect(resourceSet(bundle)).to.include(key);
    expect((await stat(out)).mode & 0o777).to.equal(0o600);
  });

  it("attack: record get --out onto a planted symbolic link replaces the link, never writes health data through it", async () => {
    const victim = path.join(dir, "victim.txt");
    await writeFile(victim, "someone else's file");
    const out = path.join(dir, "linked.json");
    await symlink(victim, out);
    await ok(["record", "get", bundleTokens[0], "--out", out]);
    expect(await readFile(victim, "utf8")).to.equal("someone else's file");
    expect((await lstat(out)).isSymbolicLink()).to.equal(false);
    expect(JSON.parse(await readFile(out, "utf8")).resourceType).to.equal("Bundle");
    expect((await stat(out)).mode & 0o777).to.equal(0o600);
  });

  it("invalid FHIR: exit 3, the issues' paths without their values, and nothing minted (even for the valid file before it)", async () => {
    const bad = path.join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ resourceType: "Patient", birthDate: "SECRET-1999/12/31" }));
    const before = await records().balanceOf(patientAddress);
    const human = await medrec(["record", "add", bundleFile, bad]);
    expect(human.code, human.stderr).to.equal(3);
    expect(human.stderr).to.include("Patient.birthDate");
    expect(human.stderr).to.include("bad.json");
    expect(human.stderr).to.not.include("SECRET");
    expect(human.stdout).to.equal("");
    const json = await medrec(["record", "add", bad, "--json"]);
    expect(json.code).to.equal(3);
    expect(json.stdout).to.equal("");
    const error = JSON.parse(json.stderr).error;
    expect(error.code).to.equal("FHIR_INVALID");
    expect(error.details.issues.map((i: { path: string }) => i.path)).to.include("Patient.birthDate");
    expect(await records().balanceOf(patientAddress)).to.equal(before);
  });

  it("invalid FHIR bundle: the rejection says why in words (path: message), in the table and in --json, never the value", async () => {
    const bad = path.join(dir, "bad-bundle.json");
    const value = "SECRET-VALUE-1999/12/31";
    await writeFile(bad, JSON.stringify({ resourceType: "Bundle", type: "collection", entry: [{ resource: { resourceType: "Patient", id: "p1", birthDate: value } }] }));
    const human = await medrec(["record", "add", bad]);
    expect(human.code, human.stderr).to.equal(3);
    expect(human.stderr).to.include("Bundle.entry[0].resource.birthDate: Invalid date format");
    const json = await medrec(["record", "add", bad, "--json"]);
    expect(json.code).to.equal(3);
    const error = JSON.parse(json.stderr).error;
    expect(error.details.issues).to.deep.include({
      path: "Bundle.entry[0].resource.birthDate",
      message: "Invalid date format: expected YYYY, YYYY-MM or YYYY-MM-DD (a real month and day)",
      code: "structure",
    });
    for (const issue of error.details.issues) expect(issue.message).to.be.a("string").and.not.equal("");
    for (const text of [human.stdout, human.stderr, json.stdout, json.stderr]) {
      expect(text).to.not.include("SECRET");
      expect(text).to.not.include("1999");
    }
  });

  it("exit 4 for an unknown token, 2 for a usage error, 3 for a wrong passphrase", async () => {
    // one process at a time opens the Helia store (it takes no lock); the others fail before opening it
    const [unknown, usage, wrong] = await Promise.all([
      medrec(["record", "get", "9999"]),
      medrec(["consent", "grant", "--grantee", "not-an-address", "--token", "1"]),
      medrec(["record", "get", bundleTokens[0]], { MEDREC_PASSPHRASE: "wrong passphrase" }),
    ]);
    const unknownJson = await medrec(["record", "get", "9999", "--json"]);
    expect(unknown.code, unknown.stderr).to.equal(4);
    expect(unknown.stderr).to.include("record token #9999 does not exist");
    expect(unknown.stdout).to.equal("");
    expect(unknownJson.code).to.equal(4);
    expect(JSON.parse(unknownJson.stderr).error.code).to.equal("RECORD_NOT_FOUND");
    expect(usage.code, usage.stderr).to.equal(2);
    expect(wrong.code, wrong.stderr).to.equal(3);
    expect(wrong.stderr).to.include("WRONG_PASSPHRASE");
    for (const result of [unknown, usage, wrong]) expect(result.stderr).to.not.match(/\n\s+at /); // no stack trace
  });

  it("consent grant: the patient's EIP-712 consent is on chain; consent list shows it", async () => {
    const token = bundleTokens[0];
    const { stdout } = await ok(["consent", "grant", "--grantee", provider.address, "--token", token, "--scopes", "READ", "--purpose", "TREAT", "--days", "7", "--json"]);
    const granted = JSON.parse(stdout);
    expect(granted.consentId).to.match(/^0x[0-9a-f]{64}$/);
    expect(granted.metadataId).to.match(/^0x[0-9a-f]{64}$/);
    expect(granted.metadataId).to.equal(`0x${"0".repeat(64)}`); // --no-ceramic: no document, metadataId zero
    expect(granted.document).to.equal(null);
    expect(await consents().hasAccess(provider.address, BigInt(token), Scope.READ)).to.equal(true);

    const [listJson, listHuman] = await Promise.all([ok(["consent", "list", "--json"]), ok(["consent", "list"])]);
    const listed = JSON.parse(listJson.stdout);
    expect(listed.patient).to.equal(patientAddress);
    expect(listed.grants).to.have.length(1);
    expect(listed.grants[0]).to.include({ tokenId: token, grantee: provider.address, purpose: "TREAT", consentId: granted.consentId });
    expect(listed.grants[0].scopes).to.deep.equal(["READ"]);
    expect(listHuman.stdout).to.match(/TOKEN\s+GRANTEE\s+SCOPES\s+PURPOSE\s+EXPIRES\s+GRANTED/);
    expect(listHuman.stdout).to.include(provider.address);
  });

  it("consent revoke ends it: list is empty; revoking again is refused by the chain (exit 5, decoded)", async () => {
    const token = bundleTokens[0];
    const { stdout } = await ok(["consent", "revoke", "--grantee", provider.address, "--token", token, "--json"]);
    expect(JSON.parse(stdout).revoked).to.equal(true);
    expect(await consents().hasAccess(provider.address, BigInt(token), Scope.READ)).to.equal(false);
    const [listed, again] = await Promise.all([
      ok(["consent", "list", "--json", "--patient", patientAddress]),
      medrec(["consent", "revoke", "--grantee", provider.address, "--token", token]),
    ]);
    expect(JSON.parse(listed.stdout).grants).to.deep.equal([]);
    expect(again.code, again.stderr).to.equal(5);
    expect(again.stderr).to.include("ConsentManager.NoGrant(");
  });

  it("audit: JSON has the grant and the revocation, CSV a header and rows, FHIR AuditEvents", async () => {
    const [json, csv, fhir] = await Promise.all([
      ok(["audit", patientAddress, "--format", "json"]),
      ok(["audit", patientAddress, "--format", "csv", "--from", "2000-01-01"]),
      ok(["audit", "--format", "fhir", "--json"]),
    ]);
    const accounting = JSON.parse(json.stdout);
    const kinds = accounting.entries.map((e: { kind: string }) => e.kind);
    expect(kinds).to.include.members(["record-created", "grant", "revocation"]);
    expect(kinds.indexOf("grant")).to.be.lessThan(kinds.indexOf("revocation"));
    const grant = accounting.entries.find((e: { kind: string }) => e.kind === "grant");
    expect(grant).to.include({ tokenId: bundleTokens[0], recipient: provider.address, actor: patientAddress, purpose: "TREAT" });
    const lines = csv.stdout.trimEnd().split("\r\n");
    expect(lines[0]).to.match(/^kind,timestamp,blockNumber,transactionHash/);
    expect(lines.length).to.equal(accounting.entries.length + 1);
    expect(lines.some((line) => line.startsWith("revocation,"))).to.equal(true);
    // --json makes it JSON whatever --format says
    expect(JSON.parse(fhir.stdout).entries.length).to.equal(accounting.entries.length);
    const fhirBundle = await ok(["audit", "--format", "fhir"]);
    const events = JSON.parse(fhirBundle.stdout).entry.map((e: { resource: { resourceType: string } }) => e.resource.resourceType);
    expect(events).to.have.length(accounting.entries.length);
    expect(new Set(events)).to.deep.equal(new Set(["AuditEvent"]));
  });

  it("no private key is on disk or printed in the clear", async () => {
    const x25519 = await unlockEncryptionKey(identityDir(home), PASSPHRASE);
    const rawKeys = [Buffer.from(patientKey.slice(2), "hex"), Buffer.from(x25519)];
    const secrets = [patientKey.slice(2), Buffer.from(x25519).toString("hex")].flatMap((hex) => [
      hex.toLowerCase(),
      hex.toUpperCase(),
      Buffer.from(hex, "hex").toString("base64"),
    ]);
    x25519.fill(0);
    const files = await filesBelow(home);
    expect(files.length).to.be.greaterThan(5);
    for (const file of files) {
      const content = (await readFile(file)).toString("latin1");
      for (const secret of secrets) expect(content.includes(secret), `${path.relative(home, file)} holds a private key`).to.equal(false);
      const raw = await readFile(file);
      for (const key of rawKeys) expect(raw.includes(key), `${path.relative(home, file)} holds a raw private key`).to.equal(false);
    }
    for (const output of outputs) for (const secret of secrets) expect(output.includes(secret)).to.equal(false);
  });
});
