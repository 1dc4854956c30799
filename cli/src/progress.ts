/**
 * A progress bar on stderr, without dependencies. It is drawn only when stderr is a terminal or `--progress`
 * is given, and never with `--json`. On a terminal it redraws one line; elsewhere (`--progress` into a pipe or
 * a file) it writes one line per step.
 *
 * @module
 */
import type { TextSink } from "./output";

/** A running progress display. */
export interface Progress {
  /** Shows that `done` of `total` steps are finished; `detail` is appended (e.g. "12 records"). */
  update(done: number, total: number, detail?: string): void;
  /** Ends the display (leaves the last state on screen). Idempotent. */
  finish(): void;
}

/** A progress display that shows nothing. */
export const silentProgress: Progress = { update: () => undefined, finish: () => undefined };

/** Whether a progress bar is shown: never with `--json`; with `--progress`, or when stderr is a terminal. */
export function progressWanted(options: { json: boolean; progress?: boolean }, stream: TextSink = process.stderr): boolean {
  if (options.json) return false;
  return options.progress === true || stream.isTTY === true;
}

/**
 * The text of a bar, e.g. `files [#########...........]  3/7  12 records`.
 * @param label What is counted.
 * @param done Finished steps.
 * @param total All steps.
 * @param width Characters inside the brackets.
 */
export function renderBar(label: string, done: number, total: number, width = 24, detail?: string): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(ratio * width);
  const count = `${done}/${total}`;
  return `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${count}${detail ? `  ${detail}` : ""}`;
}

/**
 * A progress display.
 * @param label What is counted (e.g. `files`).
 * @param enabled From {@link progressWanted}; when false the display prints nothing.
 * @param stream Where to draw (default stderr).
 */
export function createProgress(label: string, enabled: boolean, stream: TextSink = process.stderr): Progress {
  if (!enabled) return silentProgress;
  const redraw = stream.isTTY === true;
  let finished = false;
  let drawn = false;
  return {
    update(done, total, detail) {
      if (finished) return;
      const line = renderBar(label, done, total, 24, detail);
      stream.write(redraw ? `\r\x1b[2K${line}` : `${line}\n`);
      drawn = true;
    },
    finish() {
      if (finished) return;
      finished = true;
      if (redraw && drawn) stream.write("\n");
    },
  };
}
