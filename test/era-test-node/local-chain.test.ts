import { execFileSync } from "node:child_process";
import { connect } from "node:net";
import { expect } from "chai";
import { parseEther } from "ethers";
import { localChainSigners, startLocalChain, type LocalChain } from "../../era-test-node/local-chain";
import { rpcRequest } from "../../era-test-node/json-rpc";

/** Resolves with the error code of a TCP connection attempt, or "connected". */
function tryConnect(port: number, host = "127.0.0.1"): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Pids of this process's direct children (Linux/macOS `pgrep -P`). */
function childPids(): string[] {
  try {
    return execFileSync("pgrep", ["-P", String(process.pid)], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when there is no child
  }
}

describe("era-test-node: local chain", function () {
  this.timeout(120_000);

  let chain: LocalChain;
  const savedRpcUrl = process.env.ZKSYNC_RPC_URL;

  before(async () => {
    delete process.env.ZKSYNC_RPC_URL;
    chain = await startLocalChain();
  });

  after(async () => {
    await chain?.stop();
    if (savedRpcUrl === undefined) delete process.env.ZKSYNC_RPC_URL;
    else process.env.ZKSYNC_RPC_URL = savedRpcUrl;
  });

  it("answers eth_chainId with 31337 and reports a block number", async () => {
    expect(chain.kind).to.equal("hardhat-node");
    expect(chain.chainId).to.equal(31337n);
    expect(BigInt(await rpcRequest<string>(chain.rpcUrl, "eth_chainId"))).to.equal(31337n);
    const blockNumber = BigInt(await rpcRequest<string>(chain.rpcUrl, "eth_blockNumber"));
    expect(blockNumber >= 0n).to.equal(true);
  });

  it("mines a transfer between two default accounts", async () => {
    const [alice, bob] = localChainSigners(chain.rpcUrl, 2);
    try {
      expect(alice.address).to.equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
      const before = await alice.provider!.getBalance(bob.address);
      const receipt = await (await alice.sendTransaction({ to: bob.address, value: parseEther("1.5") })).wait();
      expect(receipt?.status).to.equal(1);
      expect(receipt!.blockNumber).to.be.greaterThan(0);
      expect(await alice.provider!.getBalance(bob.address)).to.equal(before + parseEther("1.5"));
    } finally {
      alice.provider!.destroy();
    }
  });

  it("with ZKSYNC_RPC_URL set, uses that chain and spawns nothing", async () => {
    const childrenBefore = childPids();
    process.env.ZKSYNC_RPC_URL = chain.rpcUrl;
    try {
      const external = await startLocalChain();
      expect(external.kind).to.equal("external");
      expect(external.rpcUrl).to.equal(chain.rpcUrl);
      expect(external.chainId).to.equal(31337n);
      expect(childPids()).to.deep.equal(childrenBefore);
      await external.stop();
      expect(await tryConnect(Number(new URL(chain.rpcUrl).port))).to.equal("connected");
    } finally {
      if (savedRpcUrl === undefined) delete process.env.ZKSYNC_RPC_URL;
      else process.env.ZKSYNC_RPC_URL = savedRpcUrl;
    }
  });

  it("refuses to start on a port that is taken", async () => {
    const port = Number(new URL(chain.rpcUrl).port);
    let failure: unknown;
    await startLocalChain({ port }).then(
      (second) => second.stop(),
      (error: unknown) => (failure = error),
    );
    expect(String(failure)).to.match(/already in use/);
  });

  it("stop() frees the port and is idempotent", async () => {
    const port = Number(new URL(chain.rpcUrl).port);
    expect(await tryConnect(port)).to.equal("connected");
    await Promise.all([chain.stop(), chain.stop()]);
    expect(await tryConnect(port)).to.equal("ECONNREFUSED");
    await chain.stop();
    expect(await tryConnect(port)).to.equal("ECONNREFUSED");
  });
});
