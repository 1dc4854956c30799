/**
 * How wide the CLI's tables may be: the `COLUMNS` environment variable when it is a positive integer, else the
 * width of the terminal when stdout is one, else no limit (a pipe or a file gets whole values; `--json` is the
 * format for programs). `--wide` lifts the limit everywhere.
 *
 * @module
 */
import type { TextSink } from "./output";

/** Narrower than this, a limit is not worth keeping (tables are printed whole). */
const MIN_WIDTH = 20;

/**
 * The line width tables are fitted to, or `undefined` for no limit.
 * @param stdout Where the table goes (its `isTTY` and `columns`).
 * @param env The environment (`COLUMNS`).
 * @param wide `--wide`: never shorten.
 */
export function tableWidth(stdout: TextSink & { columns?: number }, env: NodeJS.ProcessEnv, wide = false): number | undefined {
  if (wide) return undefined;
  const fromEnv = env.COLUMNS !== undefined && /^[0-9]+$/.test(env.COLUMNS.trim()) ? Number(env.COLUMNS.trim()) : undefined;
  const width = fromEnv ?? (stdout.isTTY === true && typeof stdout.columns === "number" && stdout.columns > 0 ? stdout.columns : undefined);
  return width === undefined ? undefined : Math.max(MIN_WIDTH, width);
}
