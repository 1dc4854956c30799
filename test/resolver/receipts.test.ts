import { expect } from "chai";
import type { JsonRpcProvider } from "ethers";
import { receiptWatcher, ReceiptTimeoutError } from "../../resolver/disclosures/receipts";

const HASH = "0x" + "ab".repeat(32);
const NOOP = "0x" + "cd".repeat(32);
const receipt = (hash: string) => ({ transactionHash: hash, blockNumber: "0x7", status: "0x1", logs: [] });

/** A node whose head stays at block 7 (the last block for a while) and whose receipt answers the test scripts. */
function stillNode(answers: Record<string, () => unknown>) {
  const asked: string[] = [];
  const provider = {
    async send(method: string, params: unknown[]) {
      if (method === "eth_blockNumber") return "0x7";
      if (method === "eth_getTransactionReceipt") {
        asked.push(params[0] as string);
        return answers[params[0] as string]?.() ?? null;
      }
      throw new Error(`unexpected ${method}`);
    },
  } as unknown as JsonRpcProvider;
  return { provider, asked };
}

describe("resolver/disclosures/receipts: the receipt watcher", () => {
  it("a failed receipt read is asked again at the next poll, not only at the next block (which may not come)", async () => {
    let failures = 2;
    const { provider, asked } = stillNode({
      [HASH]: () => {
        if (failures-- > 0) throw new Error("ECONNRESET");
        return receipt(HASH);
      },
    });
    const watcher = receiptWatcher(provider, 5);
    const mined = await watcher.wait(HASH, 1_000);
    expect(mined.hash).to.equal(HASH);
    expect(asked.length).to.be.at.least(3);
    watcher.stop();
  });

  it("waits for the first of the hashes of one nonce: a no-op mined in place of the disclosure answers the wait", async () => {
    const { provider } = stillNode({ [NOOP]: () => receipt(NOOP) });
    const watcher = receiptWatcher(provider, 5);
    expect((await watcher.wait([HASH, NOOP], 1_000)).hash).to.equal(NOOP);
    watcher.stop();
  });

  it("at an unchanged head a receipt read without error is not repeated; stop() ends every wait", async () => {
    const { provider, asked } = stillNode({});
    const watcher = receiptWatcher(provider, 5);
    const waiting = watcher.wait(HASH, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(asked.length, "read at once and at block 7, not at every poll").to.be.at.most(2);
    watcher.stop();
    expect(await waiting.catch((error: unknown) => error)).to.be.instanceOf(ReceiptTimeoutError);
  });
});
