import { expect } from "chai";
import { ethers } from "hardhat";
import { hexlify, randomBytes } from "ethers";
import { minedReceipt } from "../../../sdk/records/receipts";

describe("sdk/records/receipts: waiting for a write transaction", () => {
  it("returns the receipt of a mined transaction", async () => {
    const [sender] = await ethers.getSigners();
    const tx = await sender.sendTransaction({ to: sender.address, value: 1n });
    const receipt = await minedReceipt(ethers.provider, tx.hash, 10, 5_000);
    expect(receipt.hash).to.equal(tx.hash);
    expect(receipt.status).to.equal(1);
  });

  it("gives up on a transaction that is never mined, with words that say to run the ingest again", async () => {
    const started = Date.now();
    const never = hexlify(randomBytes(32)); // a hash the node never saw: as a dropped transaction
    let error: unknown;
    try {
      await minedReceipt(ethers.provider, never, 20, 300);
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(/not mined within 0.3 s .*run the ingest again to resume it/);
    expect(Date.now() - started).to.be.within(250, 5_000);
  });
});
