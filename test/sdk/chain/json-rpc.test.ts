import { expect } from "chai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { RpcNoAnswerError, RpcRefusalError, rpcRequest } from "../../../sdk/chain/json-rpc";

/** An HTTP server on 127.0.0.1 that answers every request with `answer` (or never, when it returns undefined). */
async function serve(answer: (body: { method: string }) => { status: number; text: string } | undefined): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => (text += chunk.toString()));
    request.on("end", () => {
      const reply = answer(JSON.parse(text) as { method: string });
      if (reply) response.writeHead(reply.status, { "content-type": "application/json" }).end(reply.text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe("sdk/chain rpcRequest: a refusal is told from no answer", () => {
  it("returns the result, null included (eth_getTransactionByHash of an unknown hash)", async () => {
    const node = await serve(({ method }) => ({ status: 200, text: JSON.stringify({ jsonrpc: "2.0", id: 1, result: method === "eth_chainId" ? "0x7a69" : null }) }));
    try {
      expect(await rpcRequest(node.url, "eth_chainId")).to.equal("0x7a69");
      expect(await rpcRequest(node.url, "eth_getTransactionByHash", ["0x00"])).to.equal(null);
    } finally {
      await node.close();
    }
  });

  it("an error object is an RpcRefusalError with the node's code and words (also on an HTTP error status)", async () => {
    const node = await serve(() => ({ status: 500, text: JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: -32000, message: "nonce too low" } }) }));
    try {
      const error = await rpcRequest(node.url, "eth_sendRawTransaction", ["0x01"]).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RpcRefusalError);
      expect(error).to.include({ method: "eth_sendRawTransaction", code: -32000, reason: "nonce too low" });
    } finally {
      await node.close();
    }
  });

  it("no JSON-RPC answer is an RpcNoAnswerError: a closed port, a timeout, an HTTP error page, a body without result", async () => {
    const closed = await serve(() => undefined);
    const closedUrl = closed.url;
    await closed.close();
    const silent = await serve(() => undefined);
    const page = await serve(() => ({ status: 502, text: "<html>bad gateway</html>" }));
    const empty = await serve(() => ({ status: 200, text: JSON.stringify({ jsonrpc: "2.0", id: 1 }) }));
    try {
      for (const [url, timeoutMs] of [[closedUrl, 2_000], [silent.url, 200], [page.url, 2_000], [empty.url, 2_000]] as const) {
        const error = await rpcRequest(url, "eth_blockNumber", [], timeoutMs).catch((e: unknown) => e);
        expect(error, url).to.be.instanceOf(RpcNoAnswerError);
        expect((error as RpcNoAnswerError).method).to.equal("eth_blockNumber");
      }
    } finally {
      await Promise.all([silent.close(), page.close(), empty.close()]);
    }
  });
});
