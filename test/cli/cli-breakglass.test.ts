/**
 * `medrec breakglass propose|sign|execute|status` end to end: a real chain with the Safe v1.4.1 contracts and the
 * officers' 2-of-3 Safe holding BREAK_GLASS_ROLE (as deploy/deploy.ts wires it), three officers and an executor,
 * each with their own medrec home, passing one proposal file between real `bin/medrec` processes.
 */
import { spawn } from "node:child_process";
import { readFile, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { expect } from "chai";
import { Interface, keccak256, toUtf8Bytes, type Wallet } from "ethers";
import { writeDeployment } from "../../deploy/deployment-file";
import { Scope, Purpose } from "../../sdk/vocabulary";
import { generatePatientBundles } from "../fixtures/generate";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { ConsentManager__factory } from "../../sdk/chain/contracts";
import { ensureCliBuild } from "../helpers/cli-build";

const BIN = path.resolve(__dirname, "..", "..", "cli", "bin", "medrec");
/** Synthetic, and distinctive enough to find anywhere it must not be. */
const REASON = "synthetic: unconscious patient 4411 in resus bay 3, anaphylaxis suspected, no consent on file";

type Who = "officer1" | "officer2" | "officer3" | "executor";

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every file below `dir`. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

describe("medrec CLI break-glass: propose → sign → execute through the officers' Safe", function () {
  this.timeout(300_000);
  let stack: ResolverStack;
  let deploymentFile: string;
  let tokenId: bigint;
  let grantee: Wallet;
  let proposalFile: string;
  const outputs: string[] = [];

  const keyOf = (who: Who) => (who === "executor" ? stack.breakGlass!.executor : stack.breakGlass!.officers[Number(who.slice(-1)) - 1]);

  /** Runs `bin/medrec` as `who` (own home, passphrase and key); `input` goes to its standard input. */
  function medrec(who: Who, args: string[], input?: string): Promise<RunResult> {
    const env = { ...process.env, MEDREC_HOME: path.join(stack.dir, `home-${who}`), MEDREC_PASSPHRASE: `passphrase of ${who}`, MEDREC_PRIVATE_KEY: keyOf(who).privateKey };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: stack.dir, env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      if (input !== undefined) child.stdin!.end(input);
      child.once("error", reject);
      child.once("close", (code) => {
        outputs.push(stdout, stderr);
        resolve({ code, stdout, stderr });
      });
    });
  }
  async function ok(who: Who, args: string[], input?: string): Promise<RunResult> {
    const result = await medrec(who, args, input);
    expect(result.code, `medrec ${args.join(" ")}\n${result.stdout}\n${result.stderr}`).to.equal(0);
    return result;
  }
  /** Runs with --json, expects `exitCode` and returns the error code printed on stderr. */
  async function refused(who: Who, args: string[], exitCode: number): Promise<string> {
    const result = await medrec(who, [...args, "--json"]);
    expect(result.code, `medrec ${args.join(" ")}\n${result.stdout}\n${result.stderr}`).to.equal(exitCode);
    expect(result.stdout).to.equal("");
    return (JSON.parse(result.stderr) as { error: { code: string } }).error.code;
  }
  const status = async (who: Who, file = proposalFile) => JSON.parse((await ok(who, ["breakglass", "status", file, "--json"])).stdout);
  const emergencyEvents = () => stack.consentManager.queryFilter(stack.consentManager.filters.EmergencyAccessGranted(), stack.deployment.startBlock);
  const emergencyRead = () => stack.consentManager.hasAccessFor(grantee.address, tokenId, Scope.READ, Purpose.EMERGENCY);

  before(async () => {
    await ensureCliBuild();
    stack = await startResolverStack({ breakGlassSafe: true });
    grantee = stack.signers.reader;
    deploymentFile = await writeDeployment("clibreakglass", { ...stack.deployment, safe: stack.breakGlass!.deployment }, stack.dir);
    const [bundle] = generatePatientBundles({ seed: 44, patients: 1 });
    tokenId = (await stack.ingest(bundle))[0].tokenId;
    for (const who of ["officer1", "officer2", "officer3"] as const) await ok(who, ["init", "--rpc", stack.chain.rpcUrl, "--deployment", deploymentFile]);
    proposalFile = path.join(stack.dir, "proposal.json");
  });
  after(async () => stack?.stop());

  it("without the Safe contracts in the config: SAFE_NOT_CONFIGURED (exit 2); init with the `safe` section fixes it", async () => {
    const coreOnly = await writeDeployment("clibreakglass-core", stack.deployment, stack.dir);
    await ok("executor", ["init", "--rpc", stack.chain.rpcUrl, "--deployment", coreOnly]);
    const args = ["breakglass", "propose", "--token", tokenId.toString(), "--grantee", grantee.address, "--reason", REASON, "--out", "x.json"];
    expect(await refused("executor", args, 2)).to.equal("SAFE_NOT_CONFIGURED");
    const { stdout } = await ok("executor", ["init", "--rpc", stack.chain.rpcUrl, "--deployment", deploymentFile, "--json"]);
    expect(JSON.parse(stdout).safe).to.deep.include({ version: "1.4.1", breakGlass: stack.breakGlass!.address });
  });

  it("propose writes a 0600 proposal with the reason's hash only; status: 0 of 2", async () => {
    const { stdout } = await ok("officer1", [
      "breakglass", "propose", "--token", tokenId.toString(), "--grantee", grantee.address, "--reason", REASON, "--minutes", "90", "--out", "proposal.json", "--json",
    ]);
    const printed = JSON.parse(stdout);
    expect(printed).to.deep.include({ safe: stack.breakGlass!.address, tokenId: tokenId.toString(), grantee: grantee.address, reasonHash: keccak256(toUtf8Bytes(REASON)) });
    expect((await stat(proposalFile)).mode & 0o777).to.equal(0o600);
    const file = JSON.parse(await readFile(proposalFile, "utf8"));
    expect(file).to.deep.include({
      kind: "medrec/breakglass-proposal",
      version: 1,
      chainId: stack.chain.chainId.toString(),
      safe: stack.breakGlass!.address,
      consentManager: stack.deployment.contracts.ConsentManager.address,
      proposer: stack.breakGlass!.officers[0].address,
      reasonHash: keccak256(toUtf8Bytes(REASON)),
      safeTxHash: printed.safeTxHash,
      signatures: {},
    });
    expect(file.call).to.deep.equal({ function: "emergencyAccess", tokenId: tokenId.toString(), grantee: grantee.address, durationSeconds: 5400 });
    expect(file.safeTransaction).to.deep.include({ to: stack.deployment.contracts.ConsentManager.address, value: "0", operation: 0, nonce: 0 });
    const decoded = new Interface(ConsentManager__factory.abi).decodeFunctionData("emergencyAccess", file.safeTransaction.data);
    expect([...decoded]).to.deep.equal([tokenId, grantee.address, keccak256(toUtf8Bytes(REASON)), 5400n]);

    const seen = await status("officer2");
    expect(seen).to.deep.include({ threshold: 2, approvals: [], missing: 2, state: "awaiting-signatures", executable: false, safeNonce: 0 });
    expect(seen.owners).to.deep.equal(stack.breakGlass!.officers.map((o) => o.address));
    const human = await ok("officer2", ["breakglass", "status", "proposal.json"]);
    expect(human.stdout).to.match(/approvals:\s+0 of 2/);
  });

  it("one signature is not enough: execute refuses with THRESHOLD_NOT_MET (exit 5), nothing sent, no event", async () => {
    const first = JSON.parse((await ok("officer1", ["breakglass", "sign", "proposal.json", "--json"])).stdout);
    expect(first).to.deep.include({ added: true, approvals: [stack.breakGlass!.officers[0].address], threshold: 2, executable: false });
    expect((await stat(proposalFile)).mode & 0o777).to.equal(0o600);
    const again = JSON.parse((await ok("officer1", ["breakglass", "sign", "proposal.json", "--json"])).stdout);
    expect(again).to.deep.include({ added: false, executable: false });
    expect(Object.keys(JSON.parse(await readFile(proposalFile, "utf8")).signatures)).to.deep.equal([stack.breakGlass!.officers[0].address]);
    expect(await status("officer3")).to.deep.include({ approvals: [stack.breakGlass!.officers[0].address], missing: 1, state: "awaiting-signatures" });

    const payerNonce = await stack.provider.getTransactionCount(stack.breakGlass!.executor.address);
    expect(await refused("executor", ["breakglass", "execute", "proposal.json"], 5)).to.equal("THRESHOLD_NOT_MET");
    expect(await stack.provider.getTransactionCount(stack.breakGlass!.executor.address)).to.equal(payerNonce);
    expect(await emergencyEvents()).to.have.length(0);
    expect(await emergencyRead()).to.equal(false);
  });

  it("a non-owner cannot sign: NOT_A_SAFE_OWNER (exit 5), the file is unchanged", async () => {
    const before = await readFile(proposalFile, "utf8");
    expect(await refused("executor", ["breakglass", "sign", "proposal.json"], 5)).to.equal("NOT_A_SAFE_OWNER");
    expect(await readFile(proposalFile, "utf8")).to.equal(before);
  });

  it("an edited proposal is refused before anything is signed or sent (exit 3)", async () => {
    const original = JSON.parse(await readFile(proposalFile, "utf8"));
    const other = stack.signers.stranger.address;
    // The readable grantee only: it no longer says what the signed data says.
    const readable = path.join(stack.dir, "tampered-readable.json");
    await writeFile(readable, JSON.stringify({ ...original, call: { ...original.call, grantee: other } }));
    expect(await refused("officer2", ["breakglass", "sign", readable], 3)).to.equal("PROPOSAL_INCONSISTENT");
    // Grantee changed in the data too: the transaction no longer hashes to the safeTxHash that was signed.
    const data = new Interface(ConsentManager__factory.abi).encodeFunctionData("emergencyAccess", [tokenId, other, original.reasonHash, 5400n]);
    const hashed = path.join(stack.dir, "tampered-data.json");
    await writeFile(hashed, JSON.stringify({ ...original, call: { ...original.call, grantee: other }, safeTransaction: { ...original.safeTransaction, data } }));
    expect(await refused("officer2", ["breakglass", "sign", hashed], 3)).to.equal("PROPOSAL_HASH_MISMATCH");
    expect(await refused("executor", ["breakglass", "execute", hashed], 3)).to.equal("PROPOSAL_HASH_MISMATCH");
    expect(await refused("officer2", ["breakglass", "status", hashed], 3)).to.equal("PROPOSAL_HASH_MISMATCH");
    // Another chain's proposal is refused before the Safe is asked anything.
    const otherChain = path.join(stack.dir, "tampered-chain.json");
    await writeFile(otherChain, JSON.stringify({ ...original, chainId: "1" }));
    expect(await refused("officer2", ["breakglass", "sign", otherChain], 3)).to.equal("PROPOSAL_WRONG_CHAIN");
    // A forged signature (another key's, under an owner's name) is refused by the SDK's check.
    const forged = path.join(stack.dir, "tampered-signature.json");
    const officer2 = stack.breakGlass!.officers[1];
    const outsiderSignature = stack.breakGlass!.executor.signingKey.sign(original.safeTxHash).serialized;
    await writeFile(forged, JSON.stringify({ ...original, signatures: { ...original.signatures, [officer2.address]: outsiderSignature } }));
    expect(await refused("officer3", ["breakglass", "sign", forged], 5)).to.equal("INVALID_SIGNATURE");
    expect((await status("officer3", forged)).signatures).to.deep.include({ owner: officer2.address, valid: false });
    expect(await emergencyEvents()).to.have.length(0);
  });

  it("the second owner signs; execute opens emergency READ access from the Safe (exit 0)", async () => {
    const second = JSON.parse((await ok("officer2", ["breakglass", "sign", "proposal.json", "--json"])).stdout);
    expect(second).to.deep.include({ added: true, threshold: 2, executable: true });
    expect(await status("officer3")).to.deep.include({ missing: 0, state: "executable", executable: true });

    const { stdout } = await ok("executor", ["breakglass", "execute", "proposal.json", "--json"]);
    const done = JSON.parse(stdout);
    expect(done).to.include.keys("transactionHash", "gasUsed", "expiresAt", "expiresAtIso");
    expect(Number(done.gasUsed)).to.be.greaterThan(50_000);
    expect(done).to.deep.include({ safe: stack.breakGlass!.address, grantee: grantee.address, tokenId: tokenId.toString(), patient: stack.signers.patient.address });
    expect(done.approvers).to.have.members(stack.breakGlass!.officers.slice(0, 2).map((o) => o.address));

    const events = await emergencyEvents();
    expect(events).to.have.length(1);
    expect(events[0].transactionHash).to.equal(done.transactionHash);
    expect(events[0].args.approvedBy).to.equal(stack.breakGlass!.address);
    expect(events[0].args.grantee).to.equal(grantee.address);
    expect(events[0].args.tokenId).to.equal(tokenId);
    expect(events[0].args.reasonHash).to.equal(keccak256(toUtf8Bytes(REASON)));
    expect(events[0].args.expiresAt.toString()).to.equal(done.expiresAt);
    expect(await emergencyRead()).to.equal(true);
  });

  it("an executed proposal cannot run or be signed again: STALE_NONCE (exit 5); status says executed", async () => {
    expect(await refused("executor", ["breakglass", "execute", "proposal.json"], 5)).to.equal("STALE_NONCE");
    expect(await refused("officer3", ["breakglass", "sign", "proposal.json"], 5)).to.equal("STALE_NONCE");
    const seen = await status("officer1");
    expect(seen).to.deep.include({ state: "executed", executable: false, safeNonce: 1 });
    expect(seen.execution.transactionHash).to.equal((await emergencyEvents())[0].transactionHash);
    expect(await emergencyEvents()).to.have.length(1);
  });

  it("propose checks its input: duration, reason, grantee refused by ConsentManager, existing file", async () => {
    const base = ["breakglass", "propose", "--token", tokenId.toString(), "--grantee", grantee.address];
    expect(await refused("officer1", [...base, "--reason", REASON, "--minutes", "1441", "--out", "p2.json"], 3)).to.equal("INVALID_DURATION");
    expect(await refused("officer1", [...base, "--reason", "  ", "--out", "p2.json"], 3)).to.equal("MISSING_REASON");
    expect(await refused("officer1", [...base, "--out", "p2.json"], 2)).to.equal("REASON_REQUIRED");
    expect(await refused("officer1", [...base, "--reason", REASON, "--out", "proposal.json"], 2)).to.equal("PROPOSAL_EXISTS");
    const outsider = ["breakglass", "propose", "--token", tokenId.toString(), "--grantee", stack.signers.outsider.address, "--reason", REASON, "--out", "p3.json"];
    expect(await refused("officer1", outsider, 5)).to.equal("CHAIN_REVERT");
    for (const name of ["p2.json", "p3.json"]) {
      expect(await stat(path.join(stack.dir, name)).catch(() => null), name).to.equal(null);
    }
  });

  it("the reason can come from standard input (off the command line) and hashes like --reason", async () => {
    const { stdout } = await ok(
      "officer3",
      ["breakglass", "propose", "--token", tokenId.toString(), "--grantee", grantee.address, "--reason-file", "-", "--out", "stdin.json", "--json"],
      `${REASON}\n`,
    );
    const printed = JSON.parse(stdout);
    expect(printed.reasonHash).to.equal(keccak256(toUtf8Bytes(REASON)));
    expect(printed.nonce).to.equal(1);
    expect(await status("officer1", "stdin.json")).to.deep.include({ state: "awaiting-signatures", safeNonce: 1 });
  });

  it("the reason text is in no file, no output and no error message", async () => {
    const needle = Buffer.from(REASON, "utf8");
    expect(outputs.length).to.be.greaterThan(20);
    for (const text of outputs) expect(text.includes(REASON), text).to.equal(false);
    for (const file of await filesBelow(stack.dir)) {
      expect((await readFile(file)).includes(needle), file).to.equal(false);
    }
  });
});
