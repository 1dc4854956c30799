import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { mergeThroughput, type Throughput } from "./throughput";

/** `bench/results.json`: one top-level section per benchmark (gas, sdk, resolver, …). */
export const RESULTS_FILE = path.resolve(__dirname, "results.json");

/**
 * Replaces the given top-level sections of `bench/results.json` and keeps the others, so that each
 * benchmark can be run on its own. `throughput` is merged key by key ({@link mergeThroughput}): one section's run
 * does not wipe the figures of another.
 */
export async function writeResults(sections: Record<string, unknown>, file = RESULTS_FILE): Promise<void> {
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(path.dirname(file), { recursive: true });
  const merged: Record<string, unknown> = { ...current, ...sections };
  if ("throughput" in sections) merged.throughput = mergeThroughput(current.throughput, sections.throughput as Partial<Throughput>);
  await writeFile(file, JSON.stringify(merged, null, 2) + "\n");
}
