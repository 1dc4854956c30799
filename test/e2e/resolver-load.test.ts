import { expect } from "chai";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { disclosuresInRange, registerLoadReaders, runReaderLoad } from "../helpers/resolver-load";
import { generatePatientBundles } from "../fixtures/generate";

/** Concurrent readers and seconds of the load run (kept short in the suite; `npm run bench` runs longer). */
const READERS = 8;
const DURATION_MS = 4_000;

describe("e2e: load on the resolver over loopback: no wrong release, no lost disclosure", function () {
  this.timeout(240_000);
  let stack: ResolverStack;

  before(async () => {
    stack = await startResolverStack();
  });
  after(async () => stack?.stop());

  it(`${READERS} concurrent readers for ${DURATION_MS / 1000} s: releases == Disclosure events, each for a granted (reader, record)`, async () => {
    const [bundle] = generatePatientBundles({ seed: 11, patients: 1 });
    const records = (await stack.ingest(bundle)).slice(0, 3);
    expect(records.length).to.equal(3);
    // Reader i may read record i mod 3 only: two of every three requests must be refused.
    const readers = await registerLoadReaders(stack, READERS, (index) => [records[index % records.length].tokenId]);
    const result = await runReaderLoad(stack, readers, records, { concurrency: READERS, durationMs: DURATION_MS });

    expect(result.released).to.be.greaterThan(0);
    expect(result.wrongReleases).to.equal(0);
    expect(result.wrongRefusals).to.equal(0);
    expect(Object.keys(result.refused)).to.deep.equal(["ACCESS_DENIED"]);
    const disclosures = await disclosuresInRange(stack, result.fromBlock, result.toBlock);
    expect(disclosures.length).to.equal(result.released);
    const allowed = new Map(readers.map((reader) => [reader.wallet.address, reader.allowed]));
    for (const disclosure of disclosures) expect(allowed.get(disclosure.grantee)?.has(disclosure.tokenId), "disclosed without a grant").to.equal(true);
  });
});
