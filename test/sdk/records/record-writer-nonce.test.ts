/**
 * The EOA record writer numbers its transactions against a real JSON-RPC node (whose ethers provider caches a
 * repeated `getTransactionCount` for 250 ms): back-to-back writes each take a fresh nonce, and a nonce another
 * sender of the same key took meanwhile is numbered again instead of failing the ingest.
 */
import { createHash, randomBytes } from "node:crypto";
import { expect } from "chai";
import hre from "hardhat";
import { encodeBytes32String, hexlify, JsonRpcProvider, Wallet } from "ethers";
import { localChainSigners, startLocalChain, type LocalChain } from "../../../era-test-node/local-chain";
import { evmContractDeployer } from "../../../deploy/contract-deployer";
import { deployMedrec, type MedrecDeployment } from "../../../deploy/medrec";
import { PatientRegistry__factory, RecordToken__factory } from "../../../sdk/chain/contracts";
import { generateEncryptionKeyPair } from "../../../sdk/crypto";
import { freshNonce } from "../../../sdk/chain";
import { eoaRecordWriter, type MintEntry } from "../../../sdk/records";

/** A record entry with a raw CID over its content hash, as an ingest stages one. */
function entry(): MintEntry {
  const digest = createHash("sha256").update(randomBytes(64)).digest();
  return {
    salt: hexlify(randomBytes(32)),
    contentHash: hexlify(digest),
    cid: Uint8Array.from([0x01, 0x55, 0x12, 0x20, ...digest]),
    kind: encodeBytes32String("Observation"),
  };
}

describe("sdk/records eoaRecordWriter: nonces against a JSON-RPC node", function () {
  this.timeout(120_000);
  let chain: LocalChain;
  let rpc: JsonRpcProvider;
  let deployment: MedrecDeployment;
  let patient: Wallet;
  let cached: JsonRpcProvider;

  before(async () => {
    chain = await startLocalChain();
    const signers = localChainSigners(chain.rpcUrl, 4);
    rpc = signers[0].provider as JsonRpcProvider;
    deployment = await deployMedrec(evmContractDeployer((name) => hre.artifacts.readArtifact(name), signers[0]), signers[0], { resolver: signers[0].address });
    // The writer's key on a provider as an EHR would make one: ethers' defaults, its 250 ms answer cache on.
    cached = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true });
    patient = new Wallet(signers[3].privateKey, cached);
    const registry = PatientRegistry__factory.connect(deployment.contracts.PatientRegistry.address, signers[3]);
    await (await registry.register(generateEncryptionKeyPair().publicKeyHex)).wait();
  });
  after(async () => {
    cached?.destroy();
    rpc?.destroy();
    await chain?.stop();
  });

  it("freshNonce asks the node, where ethers' provider answers a repeated question from its cache", async () => {
    const before = await cached.getTransactionCount(patient.address, "pending");
    await patient.sendTransaction({ to: patient.address, value: 1n, nonce: before }); // mined at once (automine)
    expect(await cached.getTransactionCount(patient.address, "pending")).to.equal(before); // the cache's stale answer
    expect(await freshNonce(cached, patient.address)).to.equal(BigInt(before + 1));
    expect(await freshNonce(cached, patient.address, "latest")).to.equal(BigInt(before + 1));
  });

  it("mints back to back, each mined before the next is sent, within the provider's cache time", async () => {
    const writer = eoaRecordWriter(deployment.contracts.RecordToken.address, patient);
    const tokens = RecordToken__factory.connect(deployment.contracts.RecordToken.address, rpc);
    const balance = await tokens.balanceOf(patient.address);
    for (let i = 0; i < 4; i++) await writer.mintBatch({ patient: patient.address, entries: [entry()] });
    expect(await tokens.balanceOf(patient.address)).to.equal(balance + 4n);
  });

  it("numbers a transaction again when another sender of the key took its nonce while one was in flight", async () => {
    const writer = eoaRecordWriter(deployment.contracts.RecordToken.address, patient);
    const tokens = RecordToken__factory.connect(deployment.contracts.RecordToken.address, rpc);
    const balance = await tokens.balanceOf(patient.address);
    await rpc.send("evm_setAutomine", [false]);
    try {
      const first = await writer.sendMintBatch({ patient: patient.address, entries: [entry()] });
      // The same key, elsewhere: the nonce after the writer's, signed without the writer knowing.
      const other = new Wallet(patient.privateKey, new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true }));
      const taken = await freshNonce(rpc, patient.address);
      await other.sendTransaction({ to: patient.address, value: 1n, nonce: Number(taken) });
      await rpc.send("evm_mine", []);
      // The writer's counter still says `taken` (its first transaction's receipt not yet seen): refused, renumbered.
      const second = await writer.sendMintBatch({ patient: patient.address, entries: [entry()] });
      await rpc.send("evm_mine", []);
      await Promise.all([first.mined, second.mined]);
      other.provider!.destroy();
    } finally {
      await rpc.send("evm_setAutomine", [true]);
    }
    expect(await tokens.balanceOf(patient.address)).to.equal(balance + 2n);
  });
});
