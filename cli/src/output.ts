/**
 * What commands print. With `--json`, stdout carries exactly one JSON document and nothing else; without it,
 * tables and lines for people, fitted to the terminal's width (`tableWidth`, lifted by `--wide`). Notes for people
 * go to stderr and are silent with `--json`.
 *
 * @module
 */
import { formatTable, type TableColumn } from "./table";

/** A writable stream as the CLI uses it (stdout / stderr, or a test double). */
export interface TextSink {
  write(text: string, callback?: (error?: Error | null) => void): boolean;
  isTTY?: boolean;
}

/** JSON text of a value: bigints as decimal strings, byte arrays as `0x` hex, two-space indentation. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, item: unknown) => {
      if (typeof item === "bigint") return item.toString(10);
      if (item instanceof Uint8Array) return `0x${Buffer.from(item).toString("hex")}`;
      return item;
    },
    2,
  );
}

/** Writes `text` and resolves once the stream has taken it (so that exiting right after loses nothing). */
export function writeAll(stream: TextSink, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

/** The output of one command run. */
export class Output {
  /**
   * @param json Machine-readable output only (`--json`).
   * @param stdout Where results go.
   * @param stderr Where notes and progress go.
   */
  constructor(
    readonly json: boolean,
    readonly stdout: TextSink = process.stdout,
    readonly stderr: TextSink = process.stderr,
    readonly width?: number,
  ) {}

  /**
   * A plain-text table fitted to {@link Output.width} (the widest columns shortened with `…`); whole when there
   * is no width (`--wide`, or stdout is not a terminal and `COLUMNS` is not set).
   */
  table(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
    return formatTable(columns, rows, { width: this.width });
  }

  /**
   * Prints the result of a command: `machine` as JSON with `--json`, else the text `human()` returns.
   * @param machine The JSON value.
   * @param human The text for people (a trailing newline is added).
   */
  async result(machine: unknown, human: () => string): Promise<void> {
    if (this.json) await writeAll(this.stdout, toJsonText(machine) + "\n");
    else await writeAll(this.stdout, ensureNewline(human()));
  }

  /** Prints raw text on stdout (e.g. a FHIR document), whatever the mode. */
  async raw(text: string): Promise<void> {
    await writeAll(this.stdout, ensureNewline(text));
  }

  /** A note for people on stderr; nothing with `--json`. */
  async note(text: string): Promise<void> {
    if (!this.json) await writeAll(this.stderr, ensureNewline(text));
  }
}

/** A plain-text table, whole (see {@link formatTable}; {@link Output.table} fits it to the terminal). */
export function table(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  return formatTable(columns, rows);
}

/** `label: value` lines with the values aligned. */
export function keyValues(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...pairs.map(([key]) => key.length));
  return pairs.map(([key, value]) => `${(key + ":").padEnd(width + 1)} ${value}`).join("\n");
}

function ensureNewline(text: string): string {
  return text.endsWith("\n") ? text : text + "\n";
}
