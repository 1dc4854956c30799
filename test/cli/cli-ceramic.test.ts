/**
 * The `medrec` CLI with consent documents on Ceramic, end to end: a local chain, a fresh deployment, and the real
 * `bin/medrec` with its default, the embedded js-ceramic daemon of the home (`<home>/ceramic`, started in the
 * background by the first command that needs it). `consent grant` writes the document (metadataId =
 * keccak256(streamId) on-chain), `consent list` and `audit` show its purpose in words, `consent revoke` moves it to
 * inactive; with `--no-ceramic` a consent names no document (metadataId zero) and the output says so.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import hre from "hardhat";
import { HDNodeWallet, JsonRpcProvider, ZeroHash, hexlify, id, keccak256, randomBytes, toUtf8Bytes, type Wallet } from "ethers";
import { HARDHAT_MNEMONIC, localChainSigners, startLocalChain, type LocalChain } from "../../era-test-node/local-chain";
import { evmContractDeployer } from "../../deploy/contract-deployer";
import { deployMedrec, type MedrecDeployment } from "../../deploy/medrec";
import { writeDeployment } from "../../deploy/deployment-file";
import { ConsentManager__factory, ProviderRegistry__factory } from "../../sdk/chain/contracts";
import { ParticipantKind } from "../../sdk/chain/participant-kind";
import { consent } from "../../sdk";
import { ensureCeramicDaemon, stopCeramicDaemon } from "../../cli/src/ceramic/background";
import { runCli, type CliRun } from "../helpers/cli-run";
import { ensureCliBuild } from "../helpers/cli-build";

const PASSPHRASE = "correct horse battery staple (ceramic cli test)";
const PURPOSE_TEXT = "physiotherapy after my knee operation, at the clinic on Elm Street";

describe("medrec CLI with consent documents on the home's Ceramic daemon", function () {
  this.timeout(300_000);

  let chain: LocalChain;
  let rpc: JsonRpcProvider;
  let deployment: MedrecDeployment;
  let dir: string;
  let home: string;
  let env: NodeJS.ProcessEnv;
  let patient: HDNodeWallet;
  let clinic: Wallet;
  let lab: Wallet;
  let granted: { document: string; metadataId: string; consentId: string };

  async function ok(args: string[]): Promise<CliRun> {
    const result = await runCli(args, { cwd: dir, env, timeoutMs: 180_000 });
    expect(result.code, `medrec ${args.join(" ")}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`).to.equal(0);
    return result;
  }
  const json = async (args: string[]) => JSON.parse((await ok([...args, "--json"])).stdout);
  const stateDir = () => path.join(home, "ceramic");

  /** The patient's own view of a document, through the SDK on the same daemon. */
  async function documentStatus(streamId: string): Promise<string> {
    const node = await ensureCeramicDaemon({ stateDir: stateDir() });
    const store = await consent.CeramicConsentStore.openWithSigner({ ceramicUrl: node.url, modelId: node.modelId, signer: patient, chainId: chain.chainId });
    try {
      return (await store.load(streamId)).document.status;
    } finally {
      await store.close();
    }
  }

  before(async () => {
    await ensureCliBuild();
    chain = await startLocalChain();
    const signers = localChainSigners(chain.rpcUrl, 6);
    const [deployer, resolver] = signers;
    [clinic, lab] = [signers[4], signers[5]];
    rpc = deployer.provider as JsonRpcProvider;
    deployment = await deployMedrec(evmContractDeployer((name) => hre.artifacts.readArtifact(name), deployer), deployer, { resolver: resolver.address });
    const providers = ProviderRegistry__factory.connect(deployment.contracts.ProviderRegistry.address, deployer);
    for (const [who, kind] of [[clinic, ParticipantKind.Provider], [lab, ParticipantKind.Lab]] as const) {
      await (await providers.register(who.address, kind, hexlify(randomBytes(32)), keccak256(toUtf8Bytes(`ceramic cli test ${kind}`)))).wait();
    }
    dir = await mkdtemp(path.join(os.tmpdir(), "medrec-cli-ceramic-"));
    home = path.join(dir, "home");
    const deploymentFile = await writeDeployment("ceramictest", deployment, dir);
    patient = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, "m/44'/60'/0'/0/3");
    env = { ...process.env, MEDREC_HOME: home, MEDREC_PASSPHRASE: PASSPHRASE, MEDREC_PRIVATE_KEY: patient.privateKey };
    delete env.MEDREC_DEBUG;
    delete env.MEDREC_CERAMIC_URL;
    delete env.MEDREC_CERAMIC_MODEL;
    const init = await json(["init", "--rpc", chain.rpcUrl, "--deployment", deploymentFile]);
    expect(init.ceramic).to.deep.equal({ enabled: true, embedded: stateDir() });
    await ok(["patient", "create"]);
  });

  after(async () => {
    if (home) await stopCeramicDaemon(stateDir()).catch(() => undefined);
    rpc?.destroy();
    await chain?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("consent grant writes the document on the embedded daemon: metadataId = keccak256(streamId) on-chain, active", async () => {
    granted = await json(["consent", "grant", "--grantee", clinic.address, "--token", "all", "--days", "3", "--text", PURPOSE_TEXT]);
    expect(granted.document).to.match(/^k[0-9a-z]+$/);
    expect(granted.metadataId).to.equal(id(granted.document));
    const consents = ConsentManager__factory.connect(deployment.contracts.ConsentManager.address, rpc);
    const [event] = await consents.queryFilter(consents.filters.AccessGranted(granted.consentId));
    expect(event.args.metadataId).to.equal(granted.metadataId);
    expect(await documentStatus(granted.document)).to.equal("active");
    expect((await stat(stateDir())).mode & 0o077, "the daemon's folder is the owner's only").to.equal(0);
  });

  it("consent list and audit show the document's purpose in words", async () => {
    const listed = await json(["consent", "list"]);
    const grant = listed.grants.find((g: { consentId: string }) => g.consentId === granted.consentId);
    expect(grant).to.include({ grantee: clinic.address, tokenId: "all", purposeText: PURPOSE_TEXT, streamId: granted.document });
    const human = await ok(["consent", "list", "--wide"]);
    expect(human.stdout).to.match(/IN WORDS/);
    expect(human.stdout).to.include(PURPOSE_TEXT);

    const accounting = await json(["audit"]);
    const entry = accounting.entries.find((e: { kind: string; consentId?: string }) => e.kind === "grant");
    expect(entry.purposeText).to.equal(PURPOSE_TEXT);
    expect((await ok(["audit", "--wide"])).stdout).to.include(PURPOSE_TEXT);
  });

  it("consent revoke ends the grant and moves its document to inactive", async () => {
    const revoked = await json(["consent", "revoke", "--grantee", clinic.address, "--token", "all"]);
    expect(revoked.document).to.equal(granted.document);
    expect(await documentStatus(granted.document)).to.equal("inactive");
    expect((await json(["consent", "list"])).grants).to.deep.equal([]);
  });

  it("--no-ceramic: the consent names no document (metadataId zero), and the output says so", async () => {
    const plain = await json(["consent", "grant", "--no-ceramic", "--grantee", lab.address, "--token", "all"]);
    expect(plain.metadataId).to.equal(ZeroHash);
    expect(plain.document).to.equal(null);
    expect(plain.purposeText).to.equal(null);
    const human = await ok(["consent", "revoke", "--no-ceramic", "--grantee", lab.address, "--token", "all"]);
    expect(human.stdout).to.match(/document:\s+none/);
    const again = await ok(["consent", "grant", "--no-ceramic", "--grantee", lab.address, "--token", "all"]);
    expect(again.stdout).to.include("none (--no-ceramic: the consent names no document; its metadata id is zero)");
    const listed = await json(["consent", "list"]);
    expect(listed.grants).to.have.length(1);
    expect(listed.grants[0]).to.include({ grantee: lab.address, purposeText: null, streamId: null });
  });
});
