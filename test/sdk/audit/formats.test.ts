import { expect } from "chai";
import { getAddress } from "ethers";
import fc from "fast-check";
import {
  AUDIT_ENTRY_FIELDS,
  AUDIT_EVENT_KINDS,
  csvField,
  toCsv,
  toJson,
  type AccountingOfDisclosures,
  type AuditEntry,
} from "../../../sdk/audit";
import { parseRfc4180 } from "./csv-parser";

const PATIENT = getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906");
const RESOLVER = getAddress("0x70997970c51812dc3a010c7d01b50e20d17dc79c");
const PROVIDER = getAddress("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");

/** A hand-made entry (no chain needed). */
function entry(overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    kind: "disclosure",
    timestamp: "2025-03-04T05:06:07.000Z",
    blockNumber: 42,
    transactionHash: "0x" + "ab".repeat(32),
    logIndex: 3,
    contract: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    tokenId: "7",
    patient: PATIENT,
    recipient: PROVIDER,
    actor: RESOLVER,
    purpose: "TREAT",
    scopes: null,
    expiresAt: null,
    emergency: false,
    consentId: null,
    metadataId: null,
    reasonHash: null,
    ...overrides,
  };
}

function accountingOf(entries: AuditEntry[]): AccountingOfDisclosures {
  return {
    patient: PATIENT,
    chainId: "31337",
    contracts: { ConsentManager: RESOLVER, RecordToken: PROVIDER },
    period: { from: "2025-01-01T00:00:00.000Z", to: "2025-12-31T23:59:59.000Z" },
    blocks: { from: 0, to: 100 },
    generatedAt: "2026-01-01T00:00:00.000Z",
    entries,
  };
}

/** The CSV text of each field, as the test expects it (independently of sdk/audit/csv.ts). */
function expectedFields(e: AuditEntry): string[] {
  return AUDIT_ENTRY_FIELDS.map((field) => {
    const value = e[field];
    if (value === null) return "";
    if (Array.isArray(value)) return value.join(" ");
    return typeof value === "boolean" ? (value ? "true" : "false") : String(value);
  });
}

/** Strings rich in what CSV must quote: commas, quotes, CR, LF, CRLF, spaces; plus any Unicode. */
const nasty = fc.oneof(
  fc.string({ unit: fc.constantFrom(",", '"', "\r", "\n", "\r\n", " ", "a", "é", "😀", ";") }),
  fc.string({ unit: "binary" }),
  fc.string(),
);
const nullable = fc.option(nasty, { nil: null });

const entryArb: fc.Arbitrary<AuditEntry> = fc.record({
  kind: fc.constantFrom(...AUDIT_EVENT_KINDS),
  timestamp: nasty,
  blockNumber: fc.nat(),
  transactionHash: nasty,
  logIndex: fc.nat(),
  contract: nasty,
  tokenId: nasty,
  patient: nasty,
  recipient: nullable,
  actor: nasty,
  purpose: nullable,
  scopes: fc.option(fc.array(nasty, { maxLength: 3 }), { nil: null }),
  expiresAt: nullable,
  emergency: fc.boolean(),
  consentId: nullable,
  metadataId: nullable,
  reasonHash: nullable,
});

describe("sdk/audit toCsv (RFC 4180)", () => {
  it("writes the header row and one CRLF-terminated row per entry", () => {
    const csv = toCsv(accountingOf([entry(), entry({ kind: "grant", scopes: ["READ", "APPEND"], emergency: true })]));
    const lines = csv.split("\r\n");
    expect(lines).to.have.length(4);
    expect(lines[3]).to.equal("");
    expect(lines[0]).to.equal(
      "kind,timestamp,blockNumber,transactionHash,logIndex,contract,tokenId,patient,recipient,actor,purpose,scopes,expiresAt,emergency,consentId,metadataId,reasonHash",
    );
    expect(lines[1]).to.equal(
      `disclosure,2025-03-04T05:06:07.000Z,42,0x${"ab".repeat(32)},3,0x5FbDB2315678afecb367f032d93F642f64180aa3,7,${PATIENT},${PROVIDER},${RESOLVER},TREAT,,,false,,,`,
    );
    expect(lines[2].split(",")[11]).to.equal("READ APPEND");
    expect(lines[2].split(",")[13]).to.equal("true");
  });

  it("an accounting without entries is the header row alone", () => {
    expect(toCsv(accountingOf([]))).to.equal(AUDIT_ENTRY_FIELDS.join(",") + "\r\n");
  });

  it("quotes exactly the fields holding a comma, a quote, CR or LF, doubling quotes", () => {
    expect(csvField("TREAT")).to.equal("TREAT");
    expect(csvField("")).to.equal("");
    expect(csvField(" padded ")).to.equal(" padded ");
    expect(csvField("a,b")).to.equal('"a,b"');
    expect(csvField('say "hi"')).to.equal('"say ""hi"""');
    expect(csvField("line\nbreak")).to.equal('"line\nbreak"');
    expect(csvField("cr\rhere")).to.equal('"cr\rhere"');
    expect(csvField('"')).to.equal('""""');
    const csv = toCsv(accountingOf([entry({ purpose: 'x,"y"\r\nz' })]));
    expect(csv.split("\r\n")[1]).to.contain(',"x,""y""');
  });

  it("property: an RFC 4180 parse of the output gives back the header and every field", () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 6 }), (entries) => {
        const rows = parseRfc4180(toCsv(accountingOf(entries)));
        expect(rows[0]).to.deep.equal([...AUDIT_ENTRY_FIELDS]);
        expect(rows.slice(1)).to.deep.equal(entries.map(expectedFields));
      }),
      { numRuns: 300 },
    );
  });

  it("the test parser itself rejects malformed CSV (so the property can fail)", () => {
    expect(() => parseRfc4180('a,b"c\r\n')).to.throw(/bare/);
    expect(() => parseRfc4180("a\nb\r\n")).to.throw(/bare/);
    expect(() => parseRfc4180('"open\r\n')).to.throw(/unterminated/);
    expect(() => parseRfc4180('"a"b\r\n')).to.throw(/expected/);
    expect(() => parseRfc4180("a,b")).to.throw(/expected/);
    expect(parseRfc4180('"a,""b""\r\nc",\r\n')).to.deep.equal([['a,"b"\r\nc', ""]]);
  });
});

describe("sdk/audit toJson", () => {
  const sample = accountingOf([
    entry(),
    entry({ kind: "grant", tokenId: "all", scopes: ["READ"], expiresAt: "2025-04-01T00:00:00.000Z", consentId: "0x" + "11".repeat(32) }),
  ]);

  /** A deep copy of `value` with the keys of every object in reverse order. */
  function reversedKeys<T>(value: T): T {
    if (Array.isArray(value)) return value.map(reversedKeys) as T;
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversedKeys(v)])) as T;
    }
    return value;
  }

  it("parses back to the accounting", () => {
    expect(JSON.parse(toJson(sample))).to.deep.equal(sample);
  });

  it("keeps the purpose in words of an annotated accounting (audit.accounting), after the fields", () => {
    const annotated = { ...sample, entries: sample.entries.map((e) => ({ ...e, purposeText: e.kind === "grant" ? "physiotherapy" : null })) };
    const parsed = JSON.parse(toJson(annotated));
    expect(parsed).to.deep.equal(annotated);
    expect(Object.keys(parsed.entries[1]).at(-1)).to.equal("purposeText");
    expect(JSON.parse(toJson(sample)).entries[1]).to.not.have.property("purposeText");
  });

  it("writes keys in a fixed order whatever the input's key order", () => {
    const text = toJson(sample);
    const reversed = reversedKeys(sample);
    expect(Object.keys(reversed)[0]).to.equal("entries");
    expect(toJson(reversed)).to.equal(text);
    const parsed = JSON.parse(text);
    expect(Object.keys(parsed)).to.deep.equal(["patient", "chainId", "contracts", "period", "blocks", "generatedAt", "entries"]);
    expect(Object.keys(parsed.contracts)).to.deep.equal(["ConsentManager", "RecordToken"]);
    expect(Object.keys(parsed.period)).to.deep.equal(["from", "to"]);
    for (const e of parsed.entries) expect(Object.keys(e)).to.deep.equal([...AUDIT_ENTRY_FIELDS]);
  });

  it("property: key order never depends on the input's", () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 4 }), (entries) => {
        const accounting = accountingOf(entries);
        expect(toJson(reversedKeys(accounting))).to.equal(toJson(accounting));
        expect(JSON.parse(toJson(accounting))).to.deep.equal(accounting);
      }),
      { numRuns: 100 },
    );
  });

  it("indents with 2 spaces by default, one line with 0", () => {
    expect(toJson(sample).split("\n")[1]).to.equal(`  "patient": "${PATIENT}",`);
    expect(toJson(sample, 0)).to.not.contain("\n");
  });
});
