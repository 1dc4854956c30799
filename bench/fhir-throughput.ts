/**
 * The `fhir` section of the bench: how fast the FHIR half of an ingest runs on a clinic-sized input —
 * a 1,000-entry `transaction` Bundle of about 4 MB (Synthea-like resources, decimals with trailing zeros,
 * clinical notes with attachments) — stage by stage, against `JSON.parse` as the floor of any JSON
 * work in this process; and the same preparation over several such bundles on 1 and 2 worker threads,
 * with the compiled build (`npm run build`) as the CLI runs it, worker start-up included.
 *
 * @module
 */
import type { Bundle, BundleEntry, DocumentReference } from "@medplum/fhirtypes";
import { canonicalize, checkFhir, exportRecords, formatFhirJson, parseFhirJson, splitBundle, type FhirRecord } from "../sdk/fhir";
import { prepareRecords } from "../sdk/records";
import { ensureCliBuild } from "../test/helpers/cli-build";
import { generatePatientBundles } from "../test/fixtures/generate";

/** One measured stage. */
export interface FhirStage {
  stage: string;
  MBps: number;
  ms: number;
}

/** The figures of the `fhir` section. */
export interface FhirFigures {
  input: { entries: number; bytes: number; type: string };
  stages: FhirStage[];
  parallel: { bundles: number; MB: number; threads: number; MBps: number; ms: number }[];
}

const ENTRIES = 1000;
const TARGET_BYTES = 4_000_000;

/** A deterministic ~4 MB, 1,000-entry transaction bundle as UTF-8 JSON text. */
export function clinicTransaction(seed = 1): Uint8Array {
  const entries: BundleEntry[] = [];
  for (let i = 0; entries.length < ENTRIES; i++) {
    for (const entry of generatePatientBundles({ seed, patients: 1, firstPatient: i })[0].entry ?? []) {
      if (entries.length >= ENTRIES) break;
      entries.push({ ...entry, request: { method: "POST", url: entry.resource!.resourceType } });
    }
  }
  // Every tenth entry becomes a clinical note of its patient with an attachment, until the bundle is ~4 MB.
  const base = JSON.stringify({ resourceType: "Bundle", type: "transaction", entry: entries }).length;
  const notes = Math.floor(ENTRIES / 10);
  const noteBytes = Math.max(0, Math.floor((TARGET_BYTES - base) / notes));
  const attachment = Buffer.alloc(Math.floor((noteBytes * 3) / 4), "clinical note text, ").toString("base64");
  for (let n = 0; n < notes; n++) {
    const at = n * 10 + 5;
    const subject = (entries[at].resource as { subject?: { reference?: string } }).subject ?? { reference: entries[0].fullUrl };
    const note: DocumentReference = {
      resourceType: "DocumentReference",
      id: `note-${seed}-${n}`,
      status: "current",
      subject,
      content: [{ attachment: { contentType: "text/plain", data: attachment } }],
    };
    entries[at] = { fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, "0")}`, resource: note, request: { method: "POST", url: "DocumentReference" } };
  }
  const bundle: Bundle = { resourceType: "Bundle", type: "transaction", entry: entries };
  // Lab values and doses as real systems write them: one decimal place more, a trailing zero.
  const text = JSON.stringify(bundle).replace(/"value":(-?\d+\.\d+)(?=[,}])/g, '"value":$10');
  return new TextEncoder().encode(text);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function stage(name: string, bytes: number, run: () => unknown, repeats = 3): FhirStage {
  run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const ms = median(times);
  return { stage: name, ms: Number(ms.toFixed(1)), MBps: Number((bytes / 1e6 / (ms / 1000)).toFixed(1)) };
}

/** Runs the `fhir` section. */
export async function measureFhir(): Promise<FhirFigures> {
  const input = clinicTransaction();
  const bytes = input.length;
  const text = new TextDecoder().decode(input);
  const tree = parseFhirJson(input);
  const records = splitBundle(checkFhir(tree));
  const readBack: FhirRecord[] = records.map((r) => ({ kind: r.kind, bundle: parseFhirJson(canonicalize(r.bundle)) as Bundle }));
  const stages: FhirStage[] = [
    stage("JSON.parse (floor)", bytes, () => JSON.parse(text)),
    stage("parseFhirJson (lossless)", bytes, () => parseFhirJson(input)),
    stage("validate (R4 schema, bindings)", bytes, () => checkFhir(tree)),
    stage("split into records", bytes, () => splitBundle(tree as Bundle)),
    stage("canonicalise records", bytes, () => records.map((r) => canonicalize(r.bundle))),
    stage("prepareRecords (all of the above)", bytes, () => prepareRecords(input)),
    stage("export (rebuild the source)", bytes, () => exportRecords(readBack)),
    stage("formatFhirJson (spec order)", bytes, () => formatFhirJson(tree)),
  ];
  await ensureCliBuild();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled SDK, so that workers run compiled code as in the CLI
  const { prepareInParallel } = require("../sdk/dist/cjs/records") as typeof import("../sdk/records");
  const bundles = [1, 2, 3, 4, 5, 6].map((seed) => clinicTransaction(seed));
  const MB = bundles.reduce((n, b) => n + b.length, 0) / 1e6;
  const parallel = [];
  for (const threads of [1, 2]) {
    const start = process.hrtime.bigint();
    await prepareInParallel(bundles, { concurrency: threads, minParallelBytes: 0 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    parallel.push({ bundles: bundles.length, MB: Number(MB.toFixed(1)), threads, ms: Math.round(ms), MBps: Number((MB / (ms / 1000)).toFixed(2)) });
  }
  return { input: { entries: ENTRIES, bytes, type: "transaction" }, stages, parallel };
}
