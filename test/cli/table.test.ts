/**
 * Tables that fit a terminal: `shorten` (end and middle), `formatTable` with a width (the widest columns give
 * way first, every line fits, nothing changes when it already fits), and `tableWidth` (COLUMNS, TTY, --wide).
 */
import { expect } from "chai";
import { ELLIPSIS, fitWidths, formatTable, shorten, type TableColumn } from "../../cli/src/table";
import { tableWidth } from "../../cli/src/terminal";

const CID = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
const ADDRESS = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";

describe("medrec CLI tables", () => {
  describe("shorten", () => {
    it("keeps text that fits, cuts the end or the middle with one ellipsis", () => {
      expect(shorten("abc", 3)).to.equal("abc");
      expect(shorten("abcdefgh", 5)).to.equal("abcd…");
      expect(shorten(CID, 10, "middle")).to.equal("bafyb…fbzdi".slice(0, 5) + ELLIPSIS + CID.slice(-4));
      expect([...shorten(CID, 10, "middle")]).to.have.length(10);
      expect(shorten(ADDRESS, 9, "middle")).to.equal("0xAb…Ef01");
      expect(shorten("abc", 1)).to.equal(ELLIPSIS);
    });
  });

  describe("formatTable with a width", () => {
    const columns: TableColumn[] = [{ header: "TOKEN", align: "right" }, { header: "KIND" }, { header: "CID", shorten: "middle" }, { header: "NOTE" }];
    const rows = [
      ["1", "Observation", CID, "short"],
      ["12", "DiagnosticReport", CID.replace("bafy", "bafk"), "a somewhat longer note about nothing in particular"],
    ];

    it("prints the same as without a width when it fits", () => {
      expect(formatTable(columns, rows, { width: 500 })).to.equal(formatTable(columns, rows));
    });

    it("fits every line in the width, shortening the widest columns (CIDs in the middle)", () => {
      const whole = formatTable(columns, rows);
      expect(Math.max(...whole.split("\n").map((l) => [...l].length))).to.be.greaterThan(80);
      const fitted = formatTable(columns, rows, { width: 80 });
      const lines = fitted.split("\n");
      for (const line of lines) expect([...line].length, line).to.be.at.most(80);
      expect(lines[0]).to.match(/^TOKEN\s+KIND\s+CID\s+NOTE$/);
      expect(fitted).to.include("Observation"); // narrow columns keep their values
      expect(fitted).to.include("DiagnosticReport");
      const cidCell = lines[2].trim().split(/\s{2,}/)[2];
      expect(cidCell).to.include(ELLIPSIS);
      expect(cidCell.startsWith("bafy")).to.equal(true);
      expect(cidCell.endsWith(CID.slice(-2))).to.equal(true);
      expect(lines[3]).to.match(/a somewhat.*…$/);
    });

    it("never shortens a `none` column nor below the header, and stops when nothing can give", () => {
      expect(fitWidths([10, 40], [{ header: "A", shorten: "none" }, { header: "LONGHEADER" }], 20)).to.deep.equal([10, 10]);
      const narrow = formatTable([{ header: "ID", shorten: "none" }, { header: "VALUE" }], [[ADDRESS, ADDRESS]], { width: 10 });
      expect(narrow).to.include(ADDRESS); // the `none` column is whole
      expect(narrow.split("\n")[2]).to.equal(`${ADDRESS}  0xAb…`);
    });
  });

  describe("tableWidth", () => {
    const pipe = { write: () => true, isTTY: false };
    const tty = { write: () => true, isTTY: true, columns: 90 };
    it("COLUMNS first, then the terminal's width; no limit for a pipe; none with --wide", () => {
      expect(tableWidth(pipe, {})).to.equal(undefined);
      expect(tableWidth(tty, {})).to.equal(90);
      expect(tableWidth(pipe, { COLUMNS: "72" })).to.equal(72);
      expect(tableWidth(tty, { COLUMNS: "120" })).to.equal(120);
      expect(tableWidth(tty, { COLUMNS: "junk" })).to.equal(90);
      expect(tableWidth(tty, { COLUMNS: "72" }, true)).to.equal(undefined);
    });
  });
});
