import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Transaction, Wallet, type JsonRpcProvider } from "ethers";
import { disclosureAccount, type DisclosureAccount } from "../../resolver/disclosures/sender";
import { RpcRefusalError } from "../../sdk/chain/json-rpc";

const CHAIN_ID = 31337n;
const FEES = { gasPrice: 1_000n, maxFeePerGas: 2_000n, maxPriorityFeePerGas: 100n };

/**
 * A JSON-RPC node on loopback for one account: a pool of signed transactions by nonce (mined below `latest`), and a
 * hook that decides what each `eth_sendRawTransaction` does (take it, reset the connection before or after taking it,
 * refuse it).
 */
async function fakeNode() {
  const pool = new Map<number, Transaction>();
  let latest = 0;
  const sends: Transaction[] = [];
  let onSend: (tx: Transaction) => "take" | "reset-after-taking" | "reset" | { refuse: string } = () => "take";
  const server = http.createServer((request, response) => {
    let text = "";
    request.on("data", (chunk) => (text += chunk));
    request.on("end", () => {
      const { id, method, params } = JSON.parse(text) as { id: number; method: string; params: unknown[] };
      const answer = (result: unknown) => response.end(JSON.stringify({ jsonrpc: "2.0", id, result }));
      if (method === "eth_getTransactionCount") {
        let next = latest;
        if (params[1] === "pending") while (pool.has(next)) next++;
        return answer(`0x${next.toString(16)}`);
      }
      if (method === "eth_getTransactionByHash") {
        const held = [...pool.values()].find((tx) => tx.hash === params[0]);
        return answer(held ? { hash: held.hash, nonce: `0x${held.nonce.toString(16)}` } : null);
      }
      if (method === "eth_sendRawTransaction") {
        const tx = Transaction.from(params[0] as string);
        sends.push(tx);
        const what = onSend(tx);
        if (typeof what === "object") return response.end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32000, message: what.refuse } }));
        if ([...pool.values()].some((held) => held.hash === tx.hash)) {
          return response.end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32000, message: `Known transaction: ${tx.hash}` } }));
        }
        if (what !== "reset") pool.set(tx.nonce, tx);
        if (what !== "take") return request.socket.destroy();
        return answer(tx.hash);
      }
      response.end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32601, message: `no ${method}` } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pool,
    sends,
    mine: (through: number) => (latest = through),
    onSend: (hook: typeof onSend) => (onSend = hook),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Fee data without a node (the account reads only fees through ethers). */
const feeProvider = { getFeeData: async () => FEES } as unknown as JsonRpcProvider;
const OUTGOING = { to: "0x5FbDB2315678afecb367f032d93F642f64180aa3", data: "0x1234", gasLimit: 100_000n };

describe("resolver/disclosures/sender: the disclosure account's numbering against the node", () => {
  let node: Awaited<ReturnType<typeof fakeNode>>;
  let account: DisclosureAccount;
  const wallet = Wallet.createRandom();
  beforeEach(async () => {
    node = await fakeNode();
    account = disclosureAccount(wallet as unknown as Wallet, feeProvider, { rpcUrl: node.url, chainId: CHAIN_ID, resyncMs: 0 });
  });
  afterEach(async () => {
    account.stop();
    await node.close();
  });

  it("a connection reset after the node took the transaction: found by hash, not sent twice, the next send takes the next nonce", async () => {
    node.onSend(() => "reset-after-taking");
    const sent = await account.send(OUTGOING);
    expect(sent.nonce).to.equal(0);
    expect(node.sends, "looked up by hash instead of sent again").to.have.length(1);
    expect(node.pool.get(0)!.hash).to.equal(sent.hash);
    node.onSend(() => "take");
    expect((await account.send(OUTGOING)).nonce).to.equal(1);
  });

  it("a connection reset before the node took it: not found by hash, sent again with the same bytes (same hash); no nonce gap", async () => {
    let first = true;
    node.onSend(() => (first ? ((first = false), "reset") : "take"));
    const sent = await account.send(OUTGOING);
    expect(node.sends.map((tx) => tx.hash)).to.deep.equal([sent.hash, sent.hash]);
    expect((await account.send(OUTGOING)).nonce).to.equal(1);
    expect([...node.pool.keys()]).to.deep.equal([0, 1]);
  });

  it("a refusal leaves the nonce unused: the next transaction takes it", async () => {
    node.onSend(() => ({ refuse: "insufficient funds for gas * price + value" }));
    let refusal: unknown;
    await account.send(OUTGOING).catch((error) => (refusal = error));
    expect(refusal).to.be.instanceOf(RpcRefusalError);
    node.onSend(() => "take");
    expect((await account.send(OUTGOING)).nonce).to.equal(0);
  });

  it("cancel: a zero-value self-transfer at the same nonce, both fees at least 10 % higher; the disclosure is never sent again", async () => {
    const sent = await account.send(OUTGOING);
    const noop = await account.cancel(sent.nonce);
    const replacement = node.pool.get(0)!;
    expect(replacement.hash).to.equal(noop);
    expect(replacement.to).to.equal(wallet.address);
    expect(replacement.value).to.equal(0n);
    expect(replacement.data).to.equal("0x");
    expect(replacement.maxPriorityFeePerGas! * 10n >= FEES.maxPriorityFeePerGas * 11n).to.equal(true);
    expect(replacement.maxFeePerGas! * 10n >= FEES.maxFeePerGas * 11n).to.equal(true);
    node.pool.delete(0); // dropped from the pool
    const report = await account.resync();
    expect(report.gap).to.deep.equal({ from: 0, to: 1 });
    expect(node.pool.get(0)!.hash, "the gap is filled by the no-op again").to.equal(noop);
    expect(node.sends.filter((tx) => tx.hash === sent.hash), "the disclosure went out once").to.have.length(1);
  });

  it("restart: nonces an earlier run handed out and left unmined (stale disclosures queued behind a gap) are taken by no-ops before the first send", async () => {
    let saved: number | undefined;
    const highWater = { load: async () => saved, save: async (next: number) => void (saved = next) };
    const earlier = disclosureAccount(wallet as unknown as Wallet, feeProvider, { rpcUrl: node.url, chainId: CHAIN_ID, resyncMs: 0, highWater });
    const stale = [await earlier.send(OUTGOING), await earlier.send(OUTGOING), await earlier.send(OUTGOING)];
    earlier.stop(); // the process dies; the pool loses nonce 0, nonces 1 and 2 wait behind the gap
    node.pool.delete(0);
    expect(saved).to.equal(3);
    const restarted = disclosureAccount(wallet as unknown as Wallet, feeProvider, { rpcUrl: node.url, chainId: CHAIN_ID, resyncMs: 0, highWater });
    const fresh = await restarted.send(OUTGOING);
    restarted.stop();
    expect(fresh.nonce, "numbered after the earlier run's nonces").to.equal(3);
    for (const nonce of [0, 1, 2]) {
      const tx = node.pool.get(nonce)!;
      expect(tx.hash, `nonce ${nonce} is not the stale disclosure`).to.not.equal(stale[nonce].hash);
      expect([tx.to, tx.data, tx.value]).to.deep.equal([wallet.address, "0x", 0n]);
      expect(tx.maxPriorityFeePerGas! > FEES.maxPriorityFeePerGas * 2n, "outbids fees it does not know").to.equal(true);
    }
  });

  it("resync: a dropped live disclosure is sent again (same hash), a cancel of a mined nonce sends nothing, and the state names the gap until it is mined", async () => {
    const first = await account.send(OUTGOING);
    const second = await account.send(OUTGOING);
    node.pool.delete(0);
    const report = await account.resync();
    expect(report.actions).to.deep.equal([{ nonce: 0, action: "resent" }, { nonce: 1, action: "queued" }]);
    expect(node.pool.get(0)!.hash).to.equal(first.hash);
    expect(account.state().gap).to.include({ from: 0, to: 2 });
    node.mine(2);
    await account.resync();
    expect(account.state().gap, "mined over").to.equal(undefined);
    expect(account.state().pending).to.equal(0);
    expect(await account.cancel(second.nonce)).to.equal(undefined);
  });
});
