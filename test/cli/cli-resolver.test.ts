/**
 * The `medrec` CLI with a resolver: a patient adds records whose keys are deposited with the resolver
 * (`record add --resolver`), a provider reads them through it under the patient's grant (`record get
 * --resolver`), and the patient forgets one (`record forget`). Real chain, resolver and `bin/medrec` processes.
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { expect } from "chai";
import { writeDeployment } from "../../deploy/deployment-file";
import { canonicalize } from "../../sdk/fhir";
import { generatePatientBundles } from "../fixtures/generate";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { ensureCliBuild } from "../helpers/cli-build";

const BIN = path.resolve(__dirname, "..", "..", "cli", "bin", "medrec");

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const resourceSet = (bundle: { entry?: { resource?: unknown }[] }) =>
  (bundle.entry ?? []).map((entry) => Buffer.from(canonicalize(entry.resource)).toString("hex")).sort();

describe("medrec CLI with the resolver: record add --resolver, record get --resolver, record forget", function () {
  this.timeout(240_000);
  let stack: ResolverStack;
  let deploymentFile: string;
  let bundleFile: string;
  let bundle: ReturnType<typeof generatePatientBundles>[number];
  let tokens: string[];

  /** Runs `bin/medrec` as `who` (its own home, passphrase and key). */
  function medrec(who: "patient" | "reader", args: string[]): Promise<RunResult> {
    const key = who === "patient" ? stack.signers.spare[1].privateKey : stack.signers.reader.privateKey;
    const env = { ...process.env, MEDREC_HOME: path.join(stack.dir, `cli-${who}`), MEDREC_PASSPHRASE: `passphrase of the ${who}`, MEDREC_PRIVATE_KEY: key };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: stack.dir, env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.once("error", reject);
      child.once("close", (code) => resolve({ code, stdout, stderr }));
    });
  }
  async function ok(who: "patient" | "reader", args: string[]): Promise<RunResult> {
    const result = await medrec(who, args);
    expect(result.code, `medrec ${args.join(" ")}\n${result.stdout}\n${result.stderr}`).to.equal(0);
    return result;
  }

  before(async () => {
    await ensureCliBuild();
    stack = await startResolverStack();
    deploymentFile = await writeDeployment("cliresolver", stack.deployment, stack.dir);
    [bundle] = generatePatientBundles({ seed: 21, patients: 1 });
    bundleFile = path.join(stack.dir, "bundle.json");
    await writeFile(bundleFile, JSON.stringify(bundle));
    // One site's embedded store, shared by both identities (elsewhere the reader fetches by CID from IPFS/Filecoin).
    const ipfs = path.join(stack.dir, "site-ipfs");
    for (const who of ["patient", "reader"] as const) await ok(who, ["init", "--rpc", stack.chain.rpcUrl, "--deployment", deploymentFile, "--ipfs", ipfs, "--no-ceramic"]);
    await ok("patient", ["patient", "create"]);
  });
  after(async () => stack?.stop());

  it("record add --resolver deposits every record's key with the resolver", async () => {
    const { stdout } = await ok("patient", ["record", "add", bundleFile, "--resolver", stack.resolver.url, "--json"]);
    const added = JSON.parse(stdout) as { records: { tokenId: string; version: string }[] };
    tokens = added.records.map((r) => r.tokenId);
    expect(tokens.length).to.be.greaterThan(1);
    for (const record of added.records) {
      expect(await stack.resolver.database.getWrap(BigInt(record.tokenId), BigInt(record.version)), `wrap of #${record.tokenId}`).to.be.instanceOf(Uint8Array);
    }
  });

  it("record get --resolver: refused without a grant (exit 5), read after the patient grants, each read a Disclosure", async () => {
    const reader = stack.signers.reader.address;
    const refused = await medrec("reader", ["record", "get", tokens[0], "--resolver", stack.resolver.url, "--json"]);
    expect(refused.code).to.equal(5);
    expect(JSON.parse(refused.stderr).error.code).to.equal("ACCESS_DENIED");

    for (const token of tokens) await ok("patient", ["consent", "grant", "--grantee", reader, "--token", token]);
    const before = await stack.disclosureCount();
    const { stdout, stderr } = await ok("reader", ["record", "get", ...tokens, "--resolver", stack.resolver.url]);
    expect(resourceSet(JSON.parse(stdout))).to.deep.equal(resourceSet(bundle));
    expect(stderr).to.include(`${tokens.length} key releases logged on-chain as Disclosure`);
    expect(await stack.disclosureCount()).to.equal(before + tokens.length);

    const otherPurpose = await medrec("reader", ["record", "get", tokens[0], "--resolver", stack.resolver.url, "--purpose", "HRESCH", "--json"]);
    expect(otherPurpose.code).to.equal(5);
    expect(JSON.parse(otherPurpose.stderr).error.code).to.equal("ACCESS_DENIED");
  });

  it("a resolver of another deployment is refused before anything is signed or deposited (exit 3)", async () => {
    const foreign = await stack.startAnotherResolver({ consentManager: stack.config.recordToken });
    const result = await medrec("reader", ["record", "get", tokens[0], "--resolver", foreign.url, "--json"]);
    expect(result.code).to.equal(3);
    expect(JSON.parse(result.stderr).error.code).to.equal("RESOLVER_MISMATCH");
  });

  it("record forget: only the patient; burns, unpins, and the reader can no longer get it (exit 4)", async () => {
    const notPatient = await medrec("reader", ["record", "forget", tokens[0], "--json"]);
    expect(notPatient.code).to.equal(5);
    const { stdout } = await ok("patient", ["record", "forget", tokens[0], "--json"]);
    expect(JSON.parse(stdout)).to.deep.equal({ tokenId: tokens[0], burned: true, unpinned: true });
    const gone = await medrec("reader", ["record", "get", tokens[0], "--resolver", stack.resolver.url, "--json"]);
    expect(gone.code).to.equal(4);
    expect(await stack.recordToken.patientOf(BigInt(tokens[0]))).to.equal("0x0000000000000000000000000000000000000000");
  });
});
