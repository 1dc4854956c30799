import type { SdkFigures } from "./sdk-throughput";
import type { ResolverLevel } from "./resolver-throughput";

/**
 * The goals of issue 12, compared from run to run: the `throughput` object of bench/results.json. Every key is
 * always there, `null` when no section of any run has measured it yet.
 */
export interface Throughput {
  /** Seconds to ingest the 1,000-patient fixture set at 1 s blocks (scaled linearly from a smaller run). */
  ingestFixtureSeconds1s: number | null;
  ingestRecordsPerSecondAutomine: number | null;
  /** encrypt+put of 50 MB as a share of OpenSSL's AES-256-GCM in the same run. */
  encryptPutShareOfOpenssl: number | null;
  /** p50 of reading back a record on automine, in ms. */
  readP50MsAutomine: number | null;
  /** Key releases per second at 1 s blocks, at the highest concurrency measured (256 readers). */
  releasesPerSecond1s: number | null;
  releaseP50Ms1s: number | null;
  /** Key releases per second on automine ÷ a no-op fastify route, at the highest concurrency measured. */
  releaseShareOfNoopAutomine: number | null;
  newSlotsPerMint: number | null;
  gasPerRecordMintBatch100: number | null;
  gasPerDisclosureBatch100: number | null;
}

/** The keys of {@link Throughput}, in the order they are written. */
export const THROUGHPUT_KEYS = [
  "ingestFixtureSeconds1s",
  "ingestRecordsPerSecondAutomine",
  "encryptPutShareOfOpenssl",
  "readP50MsAutomine",
  "releasesPerSecond1s",
  "releaseP50Ms1s",
  "releaseShareOfNoopAutomine",
  "newSlotsPerMint",
  "gasPerRecordMintBatch100",
  "gasPerDisclosureBatch100",
] as const satisfies readonly (keyof Throughput)[];

/** Patients of the fixture set the ingest goal is stated for. */
const FIXTURE_PATIENTS = 1000;

/**
 * The throughput figures of the SDK section: `automine` and `1s` are its runs in those modes (either may be
 * missing, e.g. with another BENCH_BLOCK_TIME_MS).
 */
export function sdkThroughput(runs: Record<string, SdkFigures>): Partial<Throughput> {
  const automine = runs.automine;
  const oneSecond = runs["1s"];
  const largest = [...(automine?.encryptPut ?? []), ...(oneSecond?.encryptPut ?? [])].sort((a, b) => b.sizeMB - a.sizeMB)[0];
  return {
    ingestFixtureSeconds1s: oneSecond ? round((oneSecond.ingestSeconds * FIXTURE_PATIENTS) / oneSecond.patients, 1) : null,
    ingestRecordsPerSecondAutomine: automine?.recordsPerSecond ?? null,
    encryptPutShareOfOpenssl: largest?.shareOfOpenssl ?? null,
    readP50MsAutomine: automine?.readLatencyMs.p50 ?? null,
  };
}

/** The throughput figures of the resolver section, from its levels per mode (`automine`, `1s`). */
export function resolverThroughput(modes: Record<string, { levels: ResolverLevel[] }>): Partial<Throughput> {
  const top = (name: string) => modes[name]?.levels.reduce<ResolverLevel | undefined>((best, l) => (!best || l.concurrency > best.concurrency ? l : best), undefined);
  const oneSecond = top("1s");
  const automine = top("automine");
  return {
    releasesPerSecond1s: oneSecond?.releasesPerSecond ?? null,
    releaseP50Ms1s: oneSecond?.p50Ms ?? null,
    releaseShareOfNoopAutomine: automine?.ratioToNoop ?? null,
  };
}

/** Names of the gas section's operations the on-chain goals are read from (see `core-gas.ts`). */
export const GAS_OPERATIONS = {
  /** A record ≤ 1 MiB (one raw block) minted for a patient who already has records. */
  mint: "RecordToken.mint",
  mintBatch100: "RecordToken.mintBatch (100 records)",
  /** 100 releases under per-record consents, as the resolver's load test grants them (the dearer case). */
  disclosureBatch100: "ConsentManager.recordDisclosures (100, per-record consents)",
} as const;

/**
 * The on-chain figures of the gas section: new slots of a typical mint (a raw-CID record; a dag-pb record over
 * 1 MiB takes one more, see the gas table), and gas per record / per disclosure in 100-entry batches.
 * @param core The gas section's measurements (operation, gas, new slots).
 */
export function gasThroughput(core: readonly { operation: string; gas: bigint; newSlots: number }[]): Partial<Throughput> {
  const find = (operation: string) => core.find((m) => m.operation === operation);
  const mint = find(GAS_OPERATIONS.mint);
  const batch = find(GAS_OPERATIONS.mintBatch100);
  const disclosures = find(GAS_OPERATIONS.disclosureBatch100);
  return {
    newSlotsPerMint: mint ? mint.newSlots : null,
    gasPerRecordMintBatch100: batch ? Math.round(Number(batch.gas) / 100) : null,
    gasPerDisclosureBatch100: disclosures ? Math.round(Number(disclosures.gas) / 100) : null,
  };
}

/**
 * `current` (the file's `throughput`, possibly partial or absent) with `update`'s measured keys over it, every key
 * of {@link THROUGHPUT_KEYS} present. A `null` in `update` does not wipe a figure another section's run wrote.
 */
export function mergeThroughput(current: unknown, update: Partial<Throughput>): Throughput {
  const before = (current && typeof current === "object" ? current : {}) as Partial<Throughput>;
  return Object.fromEntries(
    THROUGHPUT_KEYS.map((key) => [key, update[key] ?? before[key] ?? null]),
  ) as unknown as Throughput;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
