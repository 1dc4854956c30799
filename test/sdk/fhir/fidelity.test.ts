import { expect } from "chai";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Bundle } from "@medplum/fhirtypes";
import {
  JsonNumber,
  FhirValidationError,
  canonicalJson,
  exportRecords,
  parseFhirJson,
  recordSourceOf,
  splitBundle,
  toPlainJson,
  validateFhir,
  type FhirRecord,
} from "../../../sdk/fhir";
import { prepareRecords, type PreparedRecord } from "../../../sdk/records";

const FIXTURES = path.resolve(__dirname, "..", "..", "fixtures", "real-world");
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), "utf8");

/** The records of prepared plaintexts, parsed back losslessly: what a reader gets after decryption. */
function readBack(prepared: PreparedRecord[]): FhirRecord[] {
  return prepared.map((record) => ({ kind: record.kind, encounter: record.encounter, bundle: parseFhirJson(record.plaintext) as Bundle }));
}

const text = (record: PreparedRecord) => Buffer.from(record.plaintext).toString("utf8");

describe("sdk/fhir fidelity on real-world-shaped data", function () {
  this.timeout(60_000);

  describe("decimals keep the digits they were written with", () => {
    it("through parse, validation, canonicalisation, split, read-back and export", () => {
      const input = fixture("synthea-transaction.json");
      const prepared = prepareRecords(input);
      const observations = prepared.filter((r) => r.kind === "Observation").map(text).join("");
      for (const literal of ["91.50", "1532.80", "0.40", "4.0"]) expect(observations).to.match(new RegExp(`"value":${literal.replace(".", "\\.")}[,}]`));
      const claims = prepared.filter((r) => r.kind === "ExplanationOfBenefit").map(text).join("");
      expect(claims).to.match(/"value":103\.360[,}]/);
      const exported = exportRecords(readBack(prepared));
      expect(exported.exact).to.equal(true);
      expect(canonicalJson(exported.bundle)).to.equal(canonicalJson(parseFhirJson(input)));
      validateFhir(canonicalJson(exported.bundle), "Bundle");
    });

    it("validation sees numbers while the stored bytes keep the text; JSON.parse would not", () => {
      const input = '{"resourceType":"Observation","status":"final","code":{"text":"Hb"},"valueQuantity":{"value":13.40}}';
      const tree = parseFhirJson(input) as { valueQuantity: { value: JsonNumber } };
      expect(tree.valueQuantity.value).to.be.instanceOf(JsonNumber);
      expect(tree.valueQuantity.value.text).to.equal("13.40");
      expect(+tree.valueQuantity.value).to.equal(13.4);
      expect(canonicalJson(tree)).to.include('"value":13.40');
      expect(canonicalJson(JSON.parse(input))).to.include('"value":13.4}');
      expect((validateFhir(input) as unknown as { valueQuantity: { value: number } }).valueQuantity.value).to.equal(13.4);
      const [record] = prepareRecords(input);
      expect(text(record)).to.include('"value":13.40');
      // A decimal that is not a number at all is still refused by the schema.
      expect(() => prepareRecords(input.replace("13.40", '"13.40"'))).to.throw(FhirValidationError);
    });

    it("property: any decimal literal survives prepare → read-back → export exactly, and the bytes are deterministic", () => {
      const decimal = fc
        .tuple(fc.boolean(), fc.nat({ max: 99999 }), fc.option(fc.stringMatching(/^[0-9]{1,6}$/)), fc.option(fc.integer({ min: -30, max: 30 })))
        .map(([negative, whole, fraction, exponent]) => `${negative ? "-" : ""}${whole}${fraction === null ? "" : `.${fraction}`}${exponent === null ? "" : `e${exponent}`}`);
      fc.assert(
        fc.property(fc.array(decimal, { minLength: 1, maxLength: 8 }), fc.constantFrom("collection", "transaction", "batch"), fc.boolean(), (values, type, spaced) => {
          const request = (i: number) => (type === "collection" ? "" : `,"request":{"method":"POST","url":"Observation"}`);
          const entries = values.map(
            (value, i) => `{"fullUrl":"urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, "0")}","resource":{"resourceType":"Observation","id":"o${i}","status":"final","code":{"text":"x"},"valueQuantity":{"value":${value},"unit":"mg"}}${request(i)}}`,
          );
          let input = `{"resourceType":"Bundle","type":"${type}","entry":[${entries.join(",")}]}`;
          if (spaced) input = input.replace(/,"/g, ',\n  "').replace(/":/g, '": ');
          const prepared = prepareRecords(input);
          expect(prepareRecords(input).map(text)).to.deep.equal(prepared.map(text));
          const all = prepared.map(text).join("");
          for (const value of values) expect(all).to.include(`"value":${value}}`);
          const exported = exportRecords(readBack(prepared));
          expect(exported.exact).to.equal(true);
          expect(canonicalJson(exported.bundle)).to.equal(canonicalJson(parseFhirJson(input)));
        }),
        { numRuns: 60 },
      );
    });

    it("property: the parser agrees with JSON.parse on every JSON text, and refuses duplicate names", () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          const json = JSON.stringify(value);
          expect(toPlainJson(parseFhirJson(json))).to.deep.equal(JSON.parse(json));
          expect(canonicalJson(parseFhirJson(json))).to.equal(canonicalJson(JSON.parse(json)));
        }),
        { numRuns: 300 },
      );
      expect(() => parseFhirJson('{"resourceType":"Patient","gender":"male","gender":"female"}')).to.throw(FhirValidationError, /Duplicate property name/);
      expect(() => parseFhirJson("[".repeat(600) + "]".repeat(600))).to.throw(FhirValidationError, /Nested deeper/);
    });
  });

  describe("bundles keep their identity", () => {
    it("an IPS document is one record, byte-for-byte the canonical document: Composition first, identifier, timestamp, signature", () => {
      const input = fixture("ips-document.json");
      const prepared = prepareRecords(input);
      expect(prepared).to.have.length(1);
      expect(prepared[0].kind).to.equal("Document");
      expect(text(prepared[0])).to.equal(canonicalJson(parseFhirJson(input)));
      const stored = parseFhirJson(prepared[0].plaintext) as Bundle;
      expect(stored.type).to.equal("document");
      expect(stored.entry?.[0].resource?.resourceType).to.equal("Composition");
      expect(stored.identifier?.value).to.equal("28b95815-76ce-457b-b7ae-a972e527db40");
      expect(stored.timestamp).to.equal("2024-03-11T10:20:30+01:00");
      expect(stored.signature?.data).to.equal("ZXlKaGJHY2lPaUpTVXpJMU5pSjkuLmRHVnpkQzF6YVdkdVlYUjFjbVU=");
      expect(stored.entry?.[1].resource?.id).to.have.length(64);
      const exported = exportRecords(readBack(prepared));
      expect(exported).to.deep.include({ exact: true, differences: [] });
      expect(canonicalJson(exported.bundle)).to.equal(canonicalJson(parseFhirJson(input)));
    });

    it("a transaction's records are transactions that keep request, fullUrl and the conditional references as written", () => {
      const input = fixture("synthea-transaction.json");
      const source = parseFhirJson(input) as Bundle;
      const prepared = prepareRecords(input);
      const records = readBack(prepared);
      for (const record of records) {
        expect(record.bundle.type).to.equal("transaction");
        expect(recordSourceOf(record.bundle)).to.deep.include({ type: "transaction", entries: source.entry?.length });
        for (const entry of record.bundle.entry ?? []) expect(entry.request?.method).to.equal("POST");
        validateFhir(canonicalJson(record.bundle), "Bundle");
      }
      const all = prepared.map(text).join("");
      expect(all).to.include('"reference":"Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999967793"');
      expect(all).to.include('"ifNoneExist":"identifier=https://github.com/synthetichealth/synthea|ef58ea08-d883-3957-8300-150554edc8fb"');
      const exported = exportRecords(records);
      expect(exported.exact).to.equal(true);
      expect(exported.bundle.type).to.equal("transaction");
      expect(canonicalJson(exported.bundle)).to.equal(canonicalJson(source));
    });

    it("notes, claims and EOBs of the transaction land in their visit's records, not in one record for all visits", () => {
      const prepared = prepareRecords(fixture("synthea-transaction.json"));
      const keys = prepared.map((r) => `${r.kind} ${r.encounter ?? r.period ?? "-"}`);
      for (const kind of ["DocumentReference", "Claim", "ExplanationOfBenefit", "Observation"]) {
        for (const visit of ["e1e1e1e1-0000-4000-8000-000000000001", "e2e2e2e2-0000-4000-8000-000000000002"]) expect(keys).to.include(`${kind} Encounter/${visit}`);
      }
      expect(keys.filter((k) => k.startsWith("DocumentReference"))).to.have.length(2);
      expect(keys).to.include("Organization undated");
    });

    it("an export of part of an ingest is a valid Bundle and says exactly what is missing", () => {
      const input = fixture("synthea-transaction.json");
      const total = (parseFhirJson(input) as Bundle).entry?.length ?? 0;
      const records = readBack(prepareRecords(input));
      const observations = records.filter((r) => r.kind === "Observation");
      const exported = exportRecords(observations);
      expect(exported.exact).to.equal(false);
      validateFhir(canonicalJson(exported.bundle), "Bundle");
      const kept = observations.reduce((n, r) => n + (r.bundle.entry?.length ?? 0), 0);
      expect(exported.differences).to.deep.equal([`the transaction bundle: ${total - kept} of its ${total} entries are not among the records exported`]);
      expect(exported.bundle.entry).to.have.length(kept);
    });

    it("merging an ingest with a document puts the document in as one entry and says so", () => {
      const records = [...readBack(prepareRecords(fixture("ips-document.json"))), ...readBack(prepareRecords(fixture("synthea-transaction.json")))];
      const exported = exportRecords(records);
      expect(exported.exact).to.equal(false);
      expect(exported.bundle.type).to.equal("collection");
      expect(exported.bundle.entry?.[0].resource?.resourceType).to.equal("Bundle");
      expect(exported.differences.some((d) => /document bundle IPS-examples-Bundle-01 is one entry holding the whole document Bundle/.test(d))).to.equal(true);
      validateFhir(canonicalJson(exported.bundle), "Bundle");
    });

    it("refuses a batch's DELETE and GET entries and a history bundle, naming each entry, storing nothing", () => {
      try {
        prepareRecords(fixture("batch-with-delete.json"));
        expect.fail("accepted");
      } catch (error) {
        expect(error).to.be.instanceOf(FhirValidationError);
        const issues = (error as FhirValidationError).issues;
        expect(issues.map((i) => i.path)).to.deep.equal(["Bundle.entry[1].request.method", "Bundle.entry[2].request.method"]);
        expect(issues[0].message).to.match(/Only POST and PUT entries carry data to store/);
      }
      const history = { resourceType: "Bundle", type: "history", entry: [{ fullUrl: "urn:uuid:00000000-0000-4000-8000-000000000001", resource: { resourceType: "Patient", id: "p" }, request: { method: "PUT", url: "Patient/p" }, response: { status: "200" } }] };
      expect(() => prepareRecords(JSON.stringify(history))).to.throw(FhirValidationError, /history bundle/);
    });

    it("a single resource is one record; its export is a collection holding it, and says so", () => {
      const input = '{"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},"valueQuantity":{"value":7.50}}';
      const records = readBack(prepareRecords(input));
      expect(records).to.have.length(1);
      const exported = exportRecords(records);
      expect(exported.exact).to.equal(false);
      expect(exported.differences).to.deep.equal(["the single Observation resource is exported as an entry of a collection Bundle"]);
      expect(canonicalJson(exported.bundle.entry?.[0].resource)).to.equal(canonicalJson(parseFhirJson(input)));
    });

    it("a record read back and added again is not marked twice", () => {
      const input = fixture("synthea-transaction.json");
      const [first] = readBack(prepareRecords(input));
      const again = splitBundle(first.bundle);
      expect(again).to.have.length(1);
      const sources = (again[0].bundle.meta?.extension ?? []).filter((e) => e.url === "https://medrec.dev/fhir/StructureDefinition/record-source");
      expect(sources).to.have.length(1);
      for (const entry of again[0].bundle.entry ?? []) expect(entry.extension).to.have.length(1);
    });
  });
});
