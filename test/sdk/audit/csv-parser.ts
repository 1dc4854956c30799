// A tiny, strict RFC 4180 parser for the sdk/audit tests (loaded by mocha too; defines no tests).

/**
 * Parses RFC 4180 CSV in which every record, the last included, ends with CRLF. Throws on anything RFC 4180
 * does not allow: a bare `"` or LF or CR in an unquoted field, text after a closing quote, an unterminated
 * quoted field.
 * @returns The records, each a list of fields.
 */
export function parseRfc4180(text: string): string[][] {
  const records: string[][] = [];
  let pos = 0;
  while (pos < text.length) {
    const record: string[] = [];
    for (;;) {
      let field = "";
      if (text[pos] === '"') {
        pos++;
        for (;;) {
          if (pos >= text.length) throw new Error("unterminated quoted field");
          if (text[pos] === '"') {
            if (text[pos + 1] === '"') {
              field += '"';
              pos += 2;
              continue;
            }
            pos++;
            break;
          }
          field += text[pos++];
        }
      } else {
        while (pos < text.length && text[pos] !== "," && text[pos] !== "\r") {
          if (text[pos] === '"' || text[pos] === "\n") throw new Error(`bare ${JSON.stringify(text[pos])} at ${pos}`);
          field += text[pos++];
        }
      }
      record.push(field);
      if (text[pos] === ",") {
        pos++;
        continue;
      }
      if (text.startsWith("\r\n", pos)) {
        pos += 2;
        break;
      }
      throw new Error(`expected "," or CRLF at ${pos}`);
    }
    records.push(record);
  }
  return records;
}
