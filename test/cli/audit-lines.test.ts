/**
 * `auditLines`: the record creations of one ingest (same issuer, same patient, same transaction or consecutive
 * blocks) become one line; anything else between them, another issuer or a gap of blocks starts a new line; with
 * `collapse` false every entry keeps its line. `tokenRange` names the tokens of a line.
 */
import { expect } from "chai";
import { auditLines, tokenRange } from "../../cli/src/audit-lines";
import type { AuditEntry } from "../../sdk/audit";

const ISSUER = "0x00000000000000000000000000000000000000a1";
const OTHER = "0x00000000000000000000000000000000000000b2";

function entry(kind: AuditEntry["kind"], tokenId: number, blockNumber: number, actor = ISSUER, transactionHash = `0x${blockNumber.toString(16).padStart(64, "0")}`): AuditEntry {
  return {
    kind,
    timestamp: new Date(blockNumber * 1000).toISOString(),
    blockNumber,
    transactionHash,
    logIndex: 0,
    contract: OTHER,
    tokenId: String(tokenId),
    patient: OTHER,
    recipient: null,
    actor,
    purpose: null,
    scopes: null,
    expiresAt: null,
    emergency: false,
    consentId: null,
    metadataId: null,
    reasonHash: null,
  } as AuditEntry;
}

describe("medrec audit lines", () => {
  it("collapses one ingest's creations, and only those", () => {
    const entries = [
      entry("record-created", 5, 10),
      entry("record-created", 6, 11),
      entry("record-created", 7, 11),
      entry("record-created", 8, 12),
      entry("grant", 5, 13),
      entry("record-created", 9, 14),
      entry("record-created", 10, 15, OTHER), // another issuer
      entry("record-created", 11, 30, OTHER), // a gap of blocks: another ingest
      entry("record-created", 12, 30, OTHER, "0x" + "ff".repeat(32)), // same block, another transaction: still consecutive
    ];
    const lines = auditLines(entries);
    expect(lines.map((l) => (l.kind === "creations" ? l.entries.map((e) => e.tokenId).join(",") : `${l.entry.kind}:${l.entry.tokenId}`))).to.deep.equal([
      "5,6,7,8",
      "grant:5",
      "record-created:9",
      "record-created:10",
      "11,12",
    ]);
    expect(auditLines(entries, false)).to.have.length(entries.length);
  });

  it("names consecutive tokens as a range, others as a list", () => {
    expect(tokenRange(["5", "6", "7"])).to.equal("#5–#7");
    expect(tokenRange(["5", "9"])).to.equal("#5, #9");
    expect(tokenRange(["1", "3", "5", "7"])).to.equal("#1, #3, #5, … (4)");
    // Derived 128-bit ids: the first, and the count.
    const big = ["203958729384756102938475610293847561029", "98237465019283746501928374650192837465", "5"];
    expect(tokenRange(big)).to.equal(`#${big[0]}, … (3)`);
    expect(tokenRange(big.slice(0, 1))).to.equal(`#${big[0]}`);
  });
});
