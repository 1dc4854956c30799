/**
 * The resume logic as a state machine, property-tested: an ingest of any inputs (records repeated across them),
 * in chunks of any size, whose writer dies at any step (its last transaction landing or not), then run again,
 * mints every distinct record exactly once, and every record reads back.
 */
import { expect } from "chai";
import fc from "fast-check";
import { randomBytes } from "node:crypto";
import { Wallet } from "ethers";
import { generateEncryptionKeyPair } from "../../../sdk/crypto";
import { ingestBundles, memoryIngestIndex, prepareRecords, readRecord, type PreparedRecord } from "../../../sdk/records";
import { generatePatientBundles } from "../../fixtures/generate";
import { fakeWorld, writerProcess } from "./support/fake-record-chain";

describe("sdk/records: ingest resume (property)", function () {
  this.timeout(120_000);
  let pool: PreparedRecord[];
  before(() => {
    pool = generatePatientBundles({ seed: 77, patients: 2 }).flatMap((bundle) => prepareRecords(bundle)).slice(0, 8);
  });

  it("any crash point, any chunking: after a second run every distinct record is minted exactly once and reads back", async () => {
    const patientKeys = generateEncryptionKeyPair();
    const patient = Wallet.createRandom().address;
    const issuer = Wallet.createRandom().address;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.nat({ max: 7 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        async (inputs, chunkRecords, crashAt, landsAtCrash) => {
          const world = fakeWorld();
          const index = memoryIngestIndex(randomBytes(32));
          const items = (w: ReturnType<typeof writerProcess>) =>
            inputs.map((picks) => ({ prepared: picks.map((i) => pool[i]), options: { patient, recipients: [patientKeys.publicKey], writer: w.writer, index: w.index } }));
          const first = writerProcess(world, issuer, index, crashAt, landsAtCrash);
          await ingestBundles(first.context, items(first), { chunkRecords }).catch(() => undefined);
          const second = writerProcess(world, issuer, index);
          const results = await ingestBundles(second.context, items(second), { chunkRecords });

          const distinct = new Set(inputs.flat());
          expect(world.mintEvents).to.have.length(distinct.size);
          expect(new Set(world.mintEvents).size).to.equal(distinct.size);
          for (const [i, picks] of inputs.entries()) {
            for (const [j, pick] of picks.entries()) {
              const back = await readRecord(second.context, results[i][j].tokenId, patientKeys.privateKey);
              expect(Buffer.from(back.plaintext).equals(Buffer.from(pool[pick].plaintext))).to.equal(true);
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
