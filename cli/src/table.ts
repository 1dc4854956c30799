/** How the cells of one column line up. */
export type ColumnAlign = "left" | "right";

/**
 * Where a too-long cell loses characters when a table is fitted to a width: `end` keeps the start
 * (`Observation.val…`), `middle` keeps both ends (`bafyb…x4q2`, for CIDs, hashes and addresses), `none` never
 * shortens the column.
 */
export type ColumnShorten = "end" | "middle" | "none";

/** One column of a {@link formatTable} table. */
export interface TableColumn {
  /** The header text. */
  header: string;
  /** Defaults to `left`. */
  align?: ColumnAlign;
  /** How its cells are shortened to fit a width; defaults to `end`. */
  shorten?: ColumnShorten;
}

/** Options of {@link formatTable}. */
export interface TableOptions {
  /**
   * Fit the table in this many characters per line by shortening the widest shortenable columns (with `…`);
   * no limit when absent. A table whose columns cannot shrink enough is printed as narrow as they allow.
   */
  width?: number;
}

/** The ellipsis a shortened cell carries. */
export const ELLIPSIS = "…";
/** No column is shortened below this many characters (nor below its header's length, up to this). */
const MIN_COLUMN_WIDTH = 5;
/** Space between two columns. */
const GAP = "  ";

/**
 * `text` in at most `width` characters: unchanged when it fits, else cut at the end or in the middle with `…`.
 * @param text One line.
 * @param width The room (at least 1).
 * @param where `end` keeps the start; `middle` keeps the start and the end (e.g. `bafyb…x4q2`).
 */
export function shorten(text: string, width: number, where: "end" | "middle" = "end"): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return ELLIPSIS.slice(0, width);
  const keep = width - 1;
  if (where === "end") return chars.slice(0, keep).join("") + ELLIPSIS;
  const head = Math.ceil(keep / 2);
  return chars.slice(0, head).join("") + ELLIPSIS + chars.slice(chars.length - (keep - head)).join("");
}

/**
 * The widths of the columns once the widest shortenable one is narrowed, one character at a time, until the
 * lines fit `width` (or no column can give more).
 * @param natural The width of each column's widest line.
 * @param columns The columns (their `shorten` and header).
 * @param width The line width to fit.
 */
export function fitWidths(natural: readonly number[], columns: readonly TableColumn[], width: number): number[] {
  const widths = [...natural];
  const floor = columns.map((column, index) =>
    column.shorten === "none" ? natural[index] : Math.min(natural[index], Math.max(MIN_COLUMN_WIDTH, Math.min(column.header.length, MIN_COLUMN_WIDTH * 2))),
  );
  let excess = widths.reduce((sum, w) => sum + w, 0) + GAP.length * Math.max(0, widths.length - 1) - width;
  while (excess > 0) {
    let widest = -1;
    for (let index = 0; index < widths.length; index++) {
      if (widths[index] > floor[index] && (widest < 0 || widths[index] > widths[widest])) widest = index;
    }
    if (widest < 0) break;
    widths[widest] -= 1;
    excess -= 1;
  }
  return widths;
}

/**
 * Formats rows as a plain-text table: a header, a rule, then the rows, columns padded to their widest
 * line and separated by two spaces. A cell may hold several lines (separated by `\n`); its row then takes
 * as many lines, the other cells continuing blank. Trailing spaces are trimmed. With `options.width`, the
 * widest columns are shortened (see {@link fitWidths}, {@link shorten}) so that every line fits.
 * @param columns The columns, in order.
 * @param rows The cells; each row has one cell per column (missing cells print empty).
 * @param options `width`: the line width to fit.
 */
export function formatTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[], options: TableOptions = {}): string {
  const split = (row: readonly string[]) => columns.map((_, index) => (row[index] ?? "").split("\n"));
  const header = columns.map((column) => [column.header]);
  const body = rows.map(split);
  const natural = columns.map((_, index) =>
    Math.max(...[header, ...body].flatMap((cells) => cells[index].map((line) => [...line].length))),
  );
  const widths = options.width === undefined ? natural : fitWidths(natural, columns, options.width);
  const pad = (text: string, width: number, align: ColumnAlign | undefined) => {
    const room = Math.max(0, width - [...text].length);
    return align === "right" ? " ".repeat(room) + text : text + " ".repeat(room);
  };
  const render = (cells: string[][]) => {
    const height = Math.max(...cells.map((lines) => lines.length));
    return Array.from({ length: height }, (_, lineIndex) =>
      columns
        .map((column, index) => {
          const line = cells[index][lineIndex] ?? "";
          const text = widths[index] < natural[index] ? shorten(line, widths[index], column.shorten === "middle" ? "middle" : "end") : line;
          return pad(text, widths[index], column.align);
        })
        .join(GAP)
        .trimEnd(),
    );
  };
  return [...render(header), widths.map((width) => "-".repeat(width)).join(GAP), ...body.flatMap(render)].join("\n");
}

/**
 * Packs `parts` into lines of at most `width` characters, separated by `separator` within a line.
 * A part longer than `width` gets a line of its own.
 * @param parts The pieces to pack, in order (never split).
 * @param width The preferred maximum line length.
 * @param separator Put between two parts on the same line.
 */
export function wrapParts(parts: readonly string[], width: number, separator = "  "): string[] {
  const lines: string[] = [];
  for (const part of parts) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + separator.length + part.length <= width) lines[lines.length - 1] = last + separator + part;
    else lines.push(part);
  }
  return lines;
}
