import { expect } from "chai";
import fc from "fast-check";
import { Transaction, Wallet, getBytes, hexlify } from "ethers";
import { signTransaction } from "../../resolver/disclosures/sender";

describe("resolver/disclosures/sender: disclosure transactions signed with libsecp256k1", () => {
  it("fast-check: the same signed bytes as ethers' Wallet.signTransaction, and the sender recovers to the account (EIP-1559 and legacy)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.record({
          nonce: fc.nat(1_000_000),
          gasLimit: fc.bigInt({ min: 21_000n, max: 30_000_000n }),
          data: fc.uint8Array({ maxLength: 200 }),
          fee: fc.bigInt({ min: 1n, max: 10n ** 12n }),
          tip: fc.bigInt({ min: 0n, max: 10n ** 9n }),
          legacy: fc.boolean(),
          chainId: fc.constantFrom(31337n, 324n, 300n),
        }),
        async (key, t) => {
          let wallet: Wallet;
          try {
            wallet = new Wallet(hexlify(key));
          } catch {
            return; // not a valid private key
          }
          const fields = {
            to: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            data: hexlify(t.data),
            gasLimit: t.gasLimit,
            nonce: t.nonce,
            chainId: t.chainId,
            ...(t.legacy ? { type: 0, gasPrice: t.fee } : { type: 2, maxFeePerGas: t.fee + t.tip, maxPriorityFeePerGas: t.tip }),
          };
          const ours = signTransaction(fields, getBytes(wallet.privateKey));
          expect(ours.serialized).to.equal(await wallet.signTransaction(fields));
          expect(Transaction.from(ours.serialized).from).to.equal(wallet.address);
        },
      ),
      { numRuns: 60 },
    );
  });
});
