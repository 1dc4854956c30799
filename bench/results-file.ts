import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** `bench/results.json`: one top-level section per benchmark (gas, sdk, resolver, …). */
export const RESULTS_FILE = path.resolve(__dirname, "results.json");

/**
 * Replaces the given top-level sections of `bench/results.json` and keeps the others, so that each
 * benchmark can be run on its own.
 */
export async function writeResults(sections: Record<string, unknown>, file = RESULTS_FILE): Promise<void> {
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ ...current, ...sections }, null, 2) + "\n");
}
