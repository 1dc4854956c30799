/**
 * `npm run bench`: gas of every state-changing function of the core (with the storage slots each writes for
 * the first time) and of the AA flows, on the in-process Hardhat chain; and the SDK's data path (ingest
 * throughput over the synthetic fixture set, encrypt+put MB/s against raw AES-256-GCM, read-back latency).
 * Prints tables and writes the `gas`, `newStorageSlots` and `sdk` sections of bench/results.json (other
 * sections are kept). `BENCH_PATIENTS` sets the fixture size (default 1,000; `BENCH_BLOCK_TIME_PATIENTS` the size
 * ingested at the block time, default the same).
 *
 * Chain-bound sections (`sdk`: ingest and read; `resolver`) run twice: on automine and on a chain that mines one
 * block per `BENCH_BLOCK_TIME_MS` ms (default 1000, about zkSync Era's; Hardhat interval mining), and write both,
 * keyed by mode (`automine`, `1s`). Gas does not depend on the block time and is measured on automine only.
 * The goals of issue 12 go into `throughput` (see bench/throughput.ts), merged key by key.
 *
 * The `resolver` section: key releases per second and p50/p99 latency at 1, 8, 32 and 256 concurrent readers
 * against the real resolver on loopback, with a plain fastify no-op endpoint under the same load as the baseline
 * (`BENCH_RESOLVER_SECONDS` per level, default 10).
 *
 * The `fhir` section: the FHIR half of an ingest (lossless parse, validation, split, canonicalisation,
 * export, formatting) on a 4 MB, 1,000-entry transaction Bundle, in MB/s against `JSON.parse`; and
 * preparation of several such bundles on 1 and 2 worker threads.
 *
 * The `cli` section: start-up of `cli/bin/medrec` (compiled), median of `BENCH_CLI_RUNS` (default 10) new processes
 * each for `--version`, `--help` and a command that needs no chain, next to a bare `node -e 0`.
 *
 * `BENCH_SECTIONS` (comma-separated: gas, sdk, fhir, resolver, cli) runs only those; default all.
 */
import { measureCoreGas, type Measurement } from "./core-gas";
import { measureWalletGas } from "./wallet-gas";
import { writeResults } from "./results-file";
import { measureSdk, type SdkFigures } from "./sdk-throughput";
import { measureConsentWriteLatency } from "../test/support/ceramic/latency";
import { formatTable } from "../cli/src/table";
import { measureResolver, type ResolverLevel } from "./resolver-throughput";
import { measureFhir, type FhirFigures } from "./fhir-throughput";
import { measureCliStartup, type CliStartupFigures } from "./cli-startup";
import { chainModes, type ChainMode } from "./block-time";
import { gasThroughput, resolverThroughput, sdkThroughput, THROUGHPUT_KEYS, type Throughput } from "./throughput";

const count = (value: number) => (Number.isNaN(value) ? "–" : String(value));

function table(title: string, results: Measurement[]): string {
  return (
    `${title}\n` +
    formatTable(
      [
        { header: "operation" },
        { header: "gas", align: "right" },
        { header: "slots written", align: "right" },
        { header: "new slots", align: "right" },
      ],
      results.map((r) => [r.operation, r.gas.toString(), count(r.slotsWritten), count(r.newSlots)]),
    )
  );
}

function sdkTable(figures: SdkFigures, mode: ChainMode): string {
  const rows: string[][] = [
    [
      "ingest (validate+split+encrypt+put+mint)",
      `${figures.recordsPerSecond} records/s`,
      `${figures.records} records of ${figures.patients} patients in ${figures.ingestSeconds} s`,
    ],
    [
      "  preparation (validate, split, canonicalise) in one thread",
      `${(figures.prepareShare * 100).toFixed(1)} %`,
      `of the ingest wall time; ${figures.prepareThreads === 0 ? "in the calling thread" : `on ${figures.prepareThreads} worker thread${figures.prepareThreads > 1 ? "s" : ""} during the ingest`}`,
    ],
    ...(figures.encryptPut ?? []).map((e) => [
      `encrypt+put ${e.sizeMB} MB`,
      `${e.encryptPutMBps} MB/s`,
      `OpenSSL AES-256-GCM ${e.opensslAesGcmMBps} MB/s in the same run (1 MiB slices; ${e.opensslOneShotMBps} MB/s in one call), share ${e.shareOfOpenssl}`,
    ]),
    ["read back (fetch+verify+decrypt+validate)", `p50 ${figures.readLatencyMs.p50} ms`, `p99 ${figures.readLatencyMs.p99} ms over ${figures.readLatencyMs.samples} reads`],
    ...(figures.consentWriteLatencyMs
      ? [[
          "Ceramic consent document write (did:pkh)",
          `p50 ${figures.consentWriteLatencyMs.p50} ms`,
          `p99 ${figures.consentWriteLatencyMs.p99} ms over ${figures.consentWriteLatencyMs.samples} writes, real daemon on loopback`,
        ]]
      : []),
  ];
  return `SDK data path (real Helia store on disk, in-process Hardhat chain, ${describeMode(mode)})\n${formatTable(
    [{ header: "measure" }, { header: "figure", align: "right" }, { header: "detail" }],
    rows,
  )}`;
}

/** `automine` or `one block per 1000 ms`, for table titles. */
function describeMode(mode: ChainMode): string {
  return mode.blockTimeMs === undefined ? "automine" : `one block per ${mode.blockTimeMs} ms`;
}

function resolverTable(levels: ResolverLevel[], seconds: number, mode: ChainMode): string {
  return `Resolver key release over loopback (fastify + SQLite + Disclosure mined on a Hardhat node, ${describeMode(mode)}; ${seconds} s per level)\n${formatTable(
    [
      { header: "readers", align: "right" },
      { header: "releases/s", align: "right" },
      { header: "p50 ms", align: "right" },
      { header: "p99 ms", align: "right" },
      { header: "no-op req/s", align: "right" },
      { header: "no-op p50 ms", align: "right" },
      { header: "ratio", align: "right" },
      { header: "events == releases" },
    ],
    levels.map((l) => [
      String(l.concurrency),
      String(l.releasesPerSecond),
      String(l.p50Ms),
      String(l.p99Ms),
      String(l.noopRequestsPerSecond),
      String(l.noopP50Ms),
      String(l.ratioToNoop),
      l.disclosuresMatch ? `yes (${l.releases})` : "NO",
    ]),
  )}`;
}

function fhirTable(figures: FhirFigures): string {
  const { input } = figures;
  return (
    `FHIR preparation of one ${input.type} Bundle: ${input.entries} entries, ${(input.bytes / 1e6).toFixed(2)} MB (one thread; median of 3)\n` +
    formatTable(
      [{ header: "stage" }, { header: "MB/s", align: "right" }, { header: "ms", align: "right" }],
      figures.stages.map((s) => [s.stage, s.MBps.toFixed(1), s.ms.toFixed(1)]),
    ) +
    `\nprepareInParallel of ${figures.parallel[0].bundles} such bundles (${figures.parallel[0].MB} MB), worker start-up included:\n` +
    formatTable(
      [{ header: "threads", align: "right" }, { header: "MB/s", align: "right" }, { header: "ms", align: "right" }],
      figures.parallel.map((p) => [String(p.threads), p.MBps.toFixed(2), String(p.ms)]),
    )
  );
}

async function fhirSection(): Promise<void> {
  const fhir = await measureFhir();
  console.log();
  console.log(fhirTable(fhir));
  await writeResults({ fhir });
}

function cliTable(figures: CliStartupFigures): string {
  return `CLI start-up (cli/bin/medrec, compiled; a new Node.js process per run, median of ${figures.runs})\n${formatTable(
    [{ header: "command" }, { header: "median ms", align: "right" }],
    [
      ["node -e 0 (any Node.js process)", String(figures.nodeBaselineMs)],
      ["medrec --version", String(figures.versionMs)],
      ["medrec --help", String(figures.helpMs)],
      ["medrec --json record list (no chain: home not initialised, exit 2)", String(figures.offlineCommandMs)],
    ],
  )}`;
}

const SECTIONS = new Set((process.env.BENCH_SECTIONS ?? "gas,sdk,fhir,resolver,cli").split(",").map((s) => s.trim()));

async function main(): Promise<void> {
  if (SECTIONS.has("gas")) await gasSection();
  if (SECTIONS.has("sdk")) await sdkSection();
  if (SECTIONS.has("fhir")) await fhirSection();
  if (SECTIONS.has("resolver")) await resolverSection();
  if (SECTIONS.has("cli")) await cliSection();
  console.log(`\nwritten to bench/results.json (${[...SECTIONS].join(", ")})`);
}

async function resolverSection(): Promise<void> {
  const seconds = Number(process.env.BENCH_RESOLVER_SECONDS ?? 10);
  const modes = chainModes();
  const resolver = await measureResolver({ secondsPerLevel: seconds, modes });
  for (const mode of modes) {
    console.log();
    console.log(resolverTable(resolver.modes[mode.name].levels, seconds, mode));
  }
  console.log(`break-glass: the officers' Safe execTransaction (2 of 3 signatures) calling emergencyAccess: ${resolver.breakGlassExecTransactionGas} gas`);
  const { modes: byMode, ...rest } = resolver;
  await writeResults({ resolver: { ...byMode, ...rest }, throughput: resolverThroughput(byMode) });
  printThroughput(resolverThroughput(byMode));
}

/** Prints the throughput figures a section measured (the goals of issue 12). */
function printThroughput(figures: Partial<Throughput>): void {
  const measured = THROUGHPUT_KEYS.filter((key) => key in figures);
  console.log(`throughput: ${measured.map((key) => `${key} ${figures[key] ?? "–"}`).join(", ")}`);
}

async function cliSection(): Promise<void> {
  const cli = await measureCliStartup(Number(process.env.BENCH_CLI_RUNS ?? 10));
  console.log();
  console.log(cliTable(cli));
  await writeResults({ cli });
}

async function gasSection(): Promise<void> {
  const core = await measureCoreGas();
  const wallets = await measureWalletGas();
  console.log(table("On-chain core (EVM gas per transaction)", core));
  console.log();
  console.log(table("AA wallets (EVM gas through the bootloader driver; EraVM gas differs)", wallets));
  await writeResults({
    gas: Object.fromEntries([...core, ...wallets].map((r) => [r.operation, Number(r.gas)])),
    newStorageSlots: Object.fromEntries(core.map((r) => [r.operation, r.newSlots])),
    throughput: gasThroughput(core),
  });
}

async function sdkSection(): Promise<void> {
  const patients = Number(process.env.BENCH_PATIENTS ?? 1000);
  const blockTimePatients = Number(process.env.BENCH_BLOCK_TIME_PATIENTS ?? patients);
  const sdk: Record<string, SdkFigures> = {};
  for (const mode of chainModes()) {
    const automine = mode.blockTimeMs === undefined;
    const figures = await measureSdk(
      automine ? patients : blockTimePatients,
      (done, total) => {
        if (process.stderr.isTTY) process.stderr.write(`\r  ingest (${mode.name}) ${done}/${total}`);
      },
      // encrypt+put is not chain-bound: measured once, with the automine run
      { mining: mode, encryptPut: automine },
    );
    if (process.stderr.isTTY) process.stderr.write("\n");
    if (automine) {
      const consent = await measureConsentWriteLatency(50);
      figures.consentWriteLatencyMs = { samples: consent.n, p50: Number(consent.p50.toFixed(1)), p99: Number(consent.p99.toFixed(1)) };
    }
    console.log();
    console.log(sdkTable(figures, mode));
    sdk[mode.name] = figures;
  }
  await writeResults({ sdk, throughput: sdkThroughput(sdk) });
  printThroughput(sdkThroughput(sdk));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
