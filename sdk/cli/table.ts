/** How the cells of one column line up. */
export type ColumnAlign = "left" | "right";

/** One column of a {@link formatTable} table. */
export interface TableColumn {
  /** The header text. */
  header: string;
  /** Defaults to `left`. */
  align?: ColumnAlign;
}

/**
 * Formats rows as a plain-text table: a header, a rule, then the rows, columns padded to their widest
 * line and separated by two spaces. A cell may hold several lines (separated by `\n`); its row then takes
 * as many lines, the other cells continuing blank. Trailing spaces are trimmed.
 * @param columns The columns, in order.
 * @param rows The cells; each row has one cell per column (missing cells print empty).
 */
export function formatTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  const split = (row: readonly string[]) => columns.map((_, index) => (row[index] ?? "").split("\n"));
  const header = columns.map((column) => [column.header]);
  const body = rows.map(split);
  const widths = columns.map((_, index) =>
    Math.max(...[header, ...body].flatMap((cells) => cells[index].map((line) => line.length))),
  );
  const render = (cells: string[][]) => {
    const height = Math.max(...cells.map((lines) => lines.length));
    return Array.from({ length: height }, (_, lineIndex) =>
      columns
        .map((column, index) => {
          const text = cells[index][lineIndex] ?? "";
          return column.align === "right" ? text.padStart(widths[index]) : text.padEnd(widths[index]);
        })
        .join("  ")
        .trimEnd(),
    );
  };
  return [...render(header), widths.map((width) => "-".repeat(width)).join("  "), ...body.flatMap(render)].join("\n");
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
