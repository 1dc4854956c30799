/**
 * A writer killed mid-ingest (a real child process, SIGKILL, its transactions still in the node's pool at 200 ms
 * blocks) and run again: every record is minted exactly once and reads back; the second run reports what the first
 * minted as `unchanged`.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { HDNodeWallet, JsonRpcProvider } from "ethers";
import { HARDHAT_MNEMONIC, localChainSigners, startLocalChain, type LocalChain } from "../../../era-test-node/local-chain";
import { evmContractDeployer } from "../../../deploy/contract-deployer";
import { deployMedrec, type MedrecDeployment } from "../../../deploy/medrec";
import { PatientRegistry__factory, RecordToken__factory } from "../../../sdk/chain/contracts";
import { generateEncryptionKeyPair, bytesToHex } from "../../../sdk/crypto";
import { HeliaContentStore } from "../../../sdk/storage";
import { fileKeyStore, prepareRecords, readRecord, recordsContext } from "../../../sdk/records";
import { generatePatientBundles } from "../../fixtures/generate";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const CHILD = path.join(__dirname, "support", "ingest-child.ts");
const SEED = 404;
const BUNDLES = 6;
const CHUNK = 4;

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the child writer; kills it with SIGKILL once it reported `killAfter` records, if given. */
function runChild(env: NodeJS.ProcessEnv, killAfter?: number): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", CHILD], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const reported = [...stdout.matchAll(/^records (\d+)$/gm)].map((m) => Number(m[1]));
      if (killAfter !== undefined && reported.some((n) => n >= killAfter) && child.exitCode === null) child.kill("SIGKILL");
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe("sdk/records: a writer killed mid-ingest resumes with nothing minted twice", function () {
  this.timeout(240_000);
  let chain: LocalChain;
  let rpc: JsonRpcProvider;
  let deployment: MedrecDeployment;
  let dir: string;

  before(async () => {
    chain = await startLocalChain();
    const [deployer] = localChainSigners(chain.rpcUrl, 1);
    rpc = deployer.provider as JsonRpcProvider;
    deployment = await deployMedrec(evmContractDeployer((name) => hre.artifacts.readArtifact(name), deployer), deployer, { resolver: deployer.address });
    dir = await mkdtemp(path.join(os.tmpdir(), "medrec-crash-"));
  });
  after(async () => {
    rpc?.destroy();
    await chain?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("SIGKILL during a multi-bundle ingest at 200 ms blocks, then a second run: every record once, each readable", async () => {
    const patient = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, "m/44'/60'/0'/0/3").connect(rpc);
    const patientKeys = generateEncryptionKeyPair();
    await (await PatientRegistry__factory.connect(deployment.contracts.PatientRegistry.address, patient).register(patientKeys.publicKeyHex)).wait();
    await rpc.send("evm_setAutomine", [false]);
    await rpc.send("evm_setIntervalMining", [200]);
    const recordToken = deployment.contracts.RecordToken.address;
    const env = {
      ...process.env,
      TS_NODE_TRANSPILE_ONLY: "true",
      MEDREC_CHILD: JSON.stringify({ rpcUrl: chain.rpcUrl, recordToken, patientKey: patient.privateKey, recipient: bytesToHex(patientKeys.publicKey), dir, seed: SEED, bundles: BUNDLES, chunkRecords: CHUNK }),
    };
    const expected = generatePatientBundles({ seed: SEED, patients: BUNDLES }).flatMap((bundle) => prepareRecords(bundle));

    const killed = await runChild(env, CHUNK * 2);
    expect(killed.signal, killed.stderr).to.equal("SIGKILL");
    const tokens = RecordToken__factory.connect(recordToken, rpc);
    const mintedBefore = await tokens.balanceOf(patient.address);
    expect(mintedBefore).to.be.greaterThan(0n);
    expect(mintedBefore).to.be.lessThan(BigInt(expected.length));

    const resumed = await runChild(env);
    expect(resumed.code, resumed.stderr).to.equal(0);
    const done = JSON.parse(/^done (.*)$/m.exec(resumed.stdout)![1]) as { tokenId: string; status: string }[];
    expect(done).to.have.length(expected.length);
    const unchanged = done.filter((r) => r.status === "unchanged").length;
    expect(unchanged).to.be.at.least(Number(mintedBefore)); // what the first run minted (and what landed after its death)

    // Exactly once: one RecordMinted per record, one token per record, the ids the run reports.
    const logs = await tokens.queryFilter(tokens.filters.RecordMinted(undefined, patient.address), deployment.startBlock);
    expect(logs).to.have.length(expected.length);
    expect(new Set(logs.map((l) => l.args.tokenId.toString()))).to.deep.equal(new Set(done.map((r) => r.tokenId)));
    expect(await tokens.balanceOf(patient.address)).to.equal(BigInt(expected.length));

    // Every record reads back with the patient's key, exactly as prepared.
    const store = await HeliaContentStore.open({ directory: path.join(dir, "ipfs") });
    try {
      const context = recordsContext({ chainId: chain.chainId, recordToken, runner: rpc, store, keys: fileKeyStore(path.join(dir, "keys")) });
      for (const [i, record] of done.entries()) {
        const back = await readRecord(context, BigInt(record.tokenId), patientKeys.privateKey);
        expect(Buffer.from(back.plaintext).equals(Buffer.from(expected[i].plaintext)), `record ${i}`).to.equal(true);
      }
    } finally {
      await store.close();
    }
  });
});
