/**
 * `npm run bench`: gas of every state-changing function of the core (with the storage slots each writes for
 * the first time) and of the AA flows, on the in-process Hardhat chain; and the SDK's data path (ingest
 * throughput over the synthetic fixture set, encrypt+put MB/s against raw AES-256-GCM, read-back latency).
 * Prints tables and writes the `gas`, `newStorageSlots` and `sdk` sections of bench/results.json (other
 * sections are kept). `BENCH_PATIENTS` sets the fixture size (default 1,000).
 */
import { measureCoreGas, type Measurement } from "./core-gas";
import { measureWalletGas } from "./wallet-gas";
import { writeResults } from "./results-file";
import { measureSdk, type SdkFigures } from "./sdk-throughput";
import { measureConsentWriteLatency } from "../test/support/ceramic/latency";
import { formatTable } from "../sdk/cli/table";

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

function sdkTable(figures: SdkFigures): string {
  const rows: string[][] = [
    ["ingest (validate+split+encrypt+put+mint)", `${figures.recordsPerSecond} records/s`, `${figures.records} records of ${figures.patients} patients`],
    ["  of which preparation (validate, split, canonicalise)", `${(figures.prepareShare * 100).toFixed(1)} %`, "of the ingest wall time"],
    ...figures.encryptPut.map((e) => [
      `encrypt+put ${e.sizeMB} MB`,
      `${e.encryptPutMBps} MB/s`,
      `raw AES-256-GCM ${e.rawAesGcmMBps} MB/s, ratio ${e.ratio}`,
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
  return `SDK data path (real Helia store on disk, in-process Hardhat chain)\n${formatTable(
    [{ header: "measure" }, { header: "figure", align: "right" }, { header: "detail" }],
    rows,
  )}`;
}

async function main(): Promise<void> {
  const core = await measureCoreGas();
  const wallets = await measureWalletGas();
  console.log(table("On-chain core (EVM gas per transaction)", core));
  console.log();
  console.log(table("AA wallets (EVM gas through the bootloader driver; EraVM gas differs)", wallets));
  await writeResults({
    gas: Object.fromEntries([...core, ...wallets].map((r) => [r.operation, Number(r.gas)])),
    newStorageSlots: Object.fromEntries(core.map((r) => [r.operation, r.newSlots])),
  });
  const patients = Number(process.env.BENCH_PATIENTS ?? 1000);
  const sdk = await measureSdk(patients, (done, total) => {
    if (process.stderr.isTTY) process.stderr.write(`\r  ingest ${done}/${total}`);
  });
  if (process.stderr.isTTY) process.stderr.write("\n");
  const consent = await measureConsentWriteLatency(50);
  sdk.consentWriteLatencyMs = { samples: consent.n, p50: Number(consent.p50.toFixed(1)), p99: Number(consent.p99.toFixed(1)) };
  console.log();
  console.log(sdkTable(sdk));
  await writeResults({ sdk });
  console.log("\nwritten to bench/results.json (gas, newStorageSlots, sdk)");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
