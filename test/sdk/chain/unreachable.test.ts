/**
 * `isNodeUnreachable` against real failures: ethers' JsonRpcProvider and fetch against a closed port, a node that
 * never answers, a proxy's 502; and answers that are not unreachability (a revert, a JSON-RPC error).
 */
import http from "node:http";
import net from "node:net";
import { expect } from "chai";
import { FetchRequest, JsonRpcProvider, Network, ZeroAddress, isError } from "ethers";
import { findUnreachable, isNodeUnreachable } from "../../../sdk/chain/unreachable";
import { MedrecError } from "../../../sdk/errors";

/** What `promise` rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An HTTP server on 127.0.0.1 answering every request with `handler`; its URL and a stop function. */
async function serve(handler: http.RequestListener): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A JSON-RPC server answering every call with `error`. */
function answerWithError(error: { code: number; message: string; data?: string }): http.RequestListener {
  return (request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      const { id } = JSON.parse(body) as { id: number };
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ jsonrpc: "2.0", id, error }));
    });
  };
}

function provider(url: string | FetchRequest): JsonRpcProvider {
  return new JsonRpcProvider(url, Network.from(1n), { staticNetwork: true });
}

describe("sdk/chain isNodeUnreachable", function () {
  this.timeout(20_000);

  it("is true for ethers' JsonRpcProvider against a closed port (connection refused)", async () => {
    const rpc = provider(`http://127.0.0.1:${await closedPort()}`);
    try {
      const error = await rejection(rpc.getBlockNumber());
      expect(isNodeUnreachable(error)).to.equal(true);
      expect((findUnreachable(error) as { code?: string }).code).to.equal("ECONNREFUSED");
    } finally {
      rpc.destroy();
    }
  });

  it("is true for fetch against a closed port (the refusal is the cause of `fetch failed`)", async () => {
    const error = await rejection(fetch(`http://127.0.0.1:${await closedPort()}`, { method: "POST" }));
    expect((error as Error).message).to.equal("fetch failed");
    expect(isNodeUnreachable(error)).to.equal(true);
    // wrapped once more, as the SDK's own errors wrap a cause
    expect(isNodeUnreachable(new MedrecError("X", "unavailable", "wrapped", { cause: error }))).to.equal(true);
  });

  it("is true for a node that accepts the connection and never answers (ethers TIMEOUT, fetch TimeoutError)", async () => {
    const silent = await serve(() => undefined);
    const request = new FetchRequest(silent.url);
    request.timeout = 300;
    const rpc = provider(request);
    try {
      const error = await rejection(rpc.getBlockNumber());
      expect(isError(error, "TIMEOUT")).to.equal(true);
      expect(isNodeUnreachable(error)).to.equal(true);
      const aborted = await rejection(fetch(silent.url, { method: "POST", signal: AbortSignal.timeout(300) }));
      expect((aborted as Error).name).to.equal("TimeoutError");
      expect(isNodeUnreachable(aborted)).to.equal(true);
    } finally {
      rpc.destroy();
      await silent.stop();
    }
  });

  it("is true for a proxy answering 502 in front of the node (ethers SERVER_ERROR)", async () => {
    const proxy = await serve((_request, response) => {
      response.statusCode = 502;
      response.end("bad gateway");
    });
    const rpc = provider(proxy.url);
    try {
      const error = await rejection(rpc.getBlockNumber());
      expect(isError(error, "SERVER_ERROR")).to.equal(true);
      expect(isNodeUnreachable(error)).to.equal(true);
    } finally {
      rpc.destroy();
      await proxy.stop();
    }
  });

  it("is false for a revert and for a JSON-RPC error: the node answered", async () => {
    const reverting = await serve(answerWithError({ code: 3, message: "execution reverted", data: "0x08c379a0" + "0".repeat(128) }));
    const failing = await serve(answerWithError({ code: -32601, message: "the method eth_blockNumber does not exist" }));
    const revertRpc = provider(reverting.url);
    const failingRpc = provider(failing.url);
    try {
      const revert = await rejection(revertRpc.call({ to: ZeroAddress, data: "0x12345678" }));
      expect(isError(revert, "CALL_EXCEPTION")).to.equal(true);
      expect(isNodeUnreachable(revert)).to.equal(false);
      const answered = await rejection(failingRpc.getBlockNumber());
      expect(isNodeUnreachable(answered)).to.equal(false);
    } finally {
      revertRpc.destroy();
      failingRpc.destroy();
      await reverting.stop();
      await failing.stop();
    }
  });

  it("is false for anything else, and stops on cyclic causes", () => {
    expect(isNodeUnreachable(new Error("boom"))).to.equal(false);
    expect(isNodeUnreachable(new MedrecError("INVALID_ARGUMENT", "invalid-input", "bad"))).to.equal(false);
    expect(isNodeUnreachable(null)).to.equal(false);
    expect(isNodeUnreachable("ECONNREFUSED")).to.equal(false);
    expect(isNodeUnreachable({ code: -32000 })).to.equal(false);
    const cyclic = new Error("a") as Error & { cause?: unknown };
    cyclic.cause = new Error("b", { cause: cyclic });
    expect(isNodeUnreachable(cyclic)).to.equal(false);
    // ethers keeps the underlying error in `error`: followed as well as `cause`
    expect(isNodeUnreachable({ code: "UNKNOWN_ERROR", error: { code: "ECONNRESET" } })).to.equal(true);
  });
});
