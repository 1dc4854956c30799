import { expect } from "chai";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { writeResults } from "../../bench/results-file";
import { GAS_OPERATIONS, THROUGHPUT_KEYS, gasThroughput, resolverThroughput } from "../../bench/throughput";
import { chainModes } from "../../bench/block-time";

describe("bench: results file and chain modes", () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "medrec-bench-results-"));
    file = path.join(dir, "results.json");
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const read = async () => JSON.parse(await readFile(file, "utf8")) as Record<string, Record<string, unknown>>;

  it("merges throughput key by key: one section's run keeps another's figures, every key is present (null when unmeasured)", async () => {
    await writeResults({ sdk: { automine: {} }, throughput: { ingestRecordsPerSecondAutomine: 80, readP50MsAutomine: 6.5 } }, file);
    await writeResults({ resolver: { automine: {} }, throughput: { releasesPerSecond1s: 30, readP50MsAutomine: null } }, file);
    const results = await read();
    expect(Object.keys(results.throughput)).to.deep.equal([...THROUGHPUT_KEYS]);
    expect(results.throughput.ingestRecordsPerSecondAutomine).to.equal(80);
    expect(results.throughput.readP50MsAutomine).to.equal(6.5);
    expect(results.throughput.releasesPerSecond1s).to.equal(30);
    expect(results.throughput.gasPerRecordMintBatch100).to.equal(null);
    // other sections are still replaced whole and kept
    expect(results.sdk).to.deep.equal({ automine: {} });
    expect(results.resolver).to.deep.equal({ automine: {} });
  });

  it("takes the release figures at the highest concurrency of each mode", () => {
    const level = (concurrency: number, releasesPerSecond: number) =>
      ({ concurrency, releasesPerSecond, p50Ms: concurrency * 10, ratioToNoop: releasesPerSecond / 1000 }) as Parameters<typeof resolverThroughput>[0][string]["levels"][number];
    const figures = resolverThroughput({ automine: { levels: [level(1, 50), level(256, 400)] }, "1s": { levels: [level(256, 90), level(8, 7)] } });
    expect(figures).to.deep.equal({ releasesPerSecond1s: 90, releaseP50Ms1s: 2560, releaseShareOfNoopAutomine: 0.4 });
  });

  it("reads the on-chain goals from the gas section: new slots of a mint, gas per record and per disclosure of 100-entry batches", () => {
    const core = [
      { operation: GAS_OPERATIONS.mint, gas: 88_262n, newSlots: 2 },
      { operation: GAS_OPERATIONS.mintBatch100, gas: 5_626_592n, newSlots: 200 },
      { operation: GAS_OPERATIONS.disclosureBatch100, gas: 1_360_329n, newSlots: 0 },
    ];
    expect(gasThroughput(core)).to.deep.equal({ newSlotsPerMint: 2, gasPerRecordMintBatch100: 56_266, gasPerDisclosureBatch100: 13_603 });
    expect(gasThroughput([])).to.deep.equal({ newSlotsPerMint: null, gasPerRecordMintBatch100: null, gasPerDisclosureBatch100: null });
  });

  it("runs chain-bound sections on automine and at BENCH_BLOCK_TIME_MS (default 1 s)", () => {
    expect(chainModes({})).to.deep.equal([{ name: "automine" }, { name: "1s", blockTimeMs: 1000 }]);
    expect(chainModes({ BENCH_BLOCK_TIME_MS: "500" })[1]).to.deep.equal({ name: "500ms", blockTimeMs: 500 });
    expect(() => chainModes({ BENCH_BLOCK_TIME_MS: "soon" })).to.throw(/BENCH_BLOCK_TIME_MS/);
  });
});
