/**
 * The demo's console output: numbered steps, indented details and tables, and the one-line outcome of an attempt
 * that must be refused.
 *
 * @module
 */
import { formatTable, type TableColumn } from "../cli/src/table";

let stepNumber = 0;

/** Prints a numbered step heading. */
export function step(title: string): void {
  console.log(`\n${++stepNumber}. ${title}`);
}

/** Prints an indented detail line. */
export function say(text: string): void {
  console.log(`   ${text}`);
}

/** Prints a table indented like the details. */
export function sayTable(columns: readonly TableColumn[], rows: string[][]): void {
  console.log(
    formatTable(columns, rows)
      .split("\n")
      .map((line) => `   ${line}`)
      .join("\n"),
  );
}

/**
 * What became of an attempt that must fail: `refused, <status> <code>` (or `refused, <code>`), or
 * `<wrong> (wrong!)` when it succeeded. Errors without a code are rethrown.
 */
export async function refusal(attempt: Promise<unknown>, wrong = "released"): Promise<string> {
  try {
    await attempt;
  } catch (error) {
    const { code, status } = error as { code?: unknown; status?: unknown };
    if (typeof code !== "string") throw error;
    return typeof status === "number" ? `refused, ${status} ${code}` : `refused, ${code}`;
  }
  return `${wrong} (wrong!)`;
}

/** Cuts `text` to `width` characters with an ellipsis. */
export function clip(text: string, width = 110): string {
  return text.length > width ? `${text.slice(0, width)}…` : text;
}
