import { expect } from "chai";
import fc from "fast-check";
import type { Bundle } from "@medplum/fhirtypes";
import { canonicalJson, formatFhirJson, JsonNumber, parseFhirJson } from "../../../sdk/fhir";
import { generatePatientBundles } from "../../fixtures/generate";
import { Prng } from "../../fixtures/prng";
import { shuffled } from "./helpers";

/** A deep copy of `value` whose objects have their keys in a shuffled order. */
function shuffleKeys(value: unknown, rng: Prng): unknown {
  if (Array.isArray(value)) return value.map((item) => shuffleKeys(item, rng));
  if (typeof value === "object" && value !== null && !(value instanceof JsonNumber)) {
    const out: { [key: string]: unknown } = {};
    for (const key of shuffled(Object.keys(value), () => rng.next())) out[key] = shuffleKeys((value as { [key: string]: unknown })[key], rng);
    return out;
  }
  return value;
}

/** Top-level keys of `text` (a formatted object with 2-space indent), in order. */
function topKeys(text: string): string[] {
  return [...text.matchAll(/^ {2}"([^"]+)":/gm)].map((m) => m[1]);
}

const PATIENT = {
  resourceType: "Patient",
  id: "p1",
  meta: { versionId: "1" },
  text: { status: "generated", div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' },
  extension: [{ url: "http://example.org/x", valueString: "e" }],
  identifier: [{ system: "urn:s", value: "1" }],
  active: true,
  name: [{ use: "official", family: "F", given: ["G"] }],
  gender: "female",
  birthDate: "1970-01-01",
  _birthDate: { extension: [{ url: "http://hl7.org/fhir/StructureDefinition/patient-birthTime", valueDateTime: "1970-01-01T10:00:00Z" }] },
  deceasedBoolean: false,
  contact: [{ relationship: [{ text: "r" }], name: { text: "n" }, gender: "male" }],
  unknownThing: 1,
};

describe("sdk/fhir formatFhirJson", function () {
  this.timeout(60_000);

  it("writes a Patient with shuffled keys in specification order, primitive extensions after their value, unknown keys last", () => {
    for (let seed = 0; seed < 20; seed++) {
      const text = formatFhirJson(shuffleKeys(PATIENT, new Prng(seed)));
      expect(topKeys(text)).to.deep.equal(["resourceType", "id", "meta", "text", "extension", "identifier", "active", "name", "gender", "birthDate", "_birthDate", "deceasedBoolean", "contact", "unknownThing"]);
      expect(text).to.include('"name": [\n    {\n      "use": "official",\n      "family": "F",\n      "given": [\n        "G"\n      ]\n    }\n  ]');
      expect(text).to.include('{\n      "relationship": [');
      expect(text).to.include('"url": "http://example.org/x",\n      "valueString": "e"');
      expect(JSON.parse(text)).to.deep.equal(PATIENT);
    }
  });

  it("writes an Observation in specification order with its decimals as written", () => {
    const source =
      '{"valueQuantity":{"code":"mg","system":"http://unitsofmeasure.org","unit":"mg","value":0.40},"component":[{"valueQuantity":{"value":1532.80},"code":{"text":"c"}}],' +
      '"referenceRange":[{"high":{"value":4.0},"low":{"value":-1e3}}],"subject":{"reference":"Patient/p1"},"effectiveDateTime":"2020-01-01","code":{"text":"t"},"status":"final","id":"o1","resourceType":"Observation"}';
    const text = formatFhirJson(parseFhirJson(source));
    expect(topKeys(text)).to.deep.equal(["resourceType", "id", "status", "code", "subject", "effectiveDateTime", "valueQuantity", "referenceRange", "component"]);
    expect(text).to.include('"valueQuantity": {\n    "value": 0.40,\n    "unit": "mg",\n    "system": "http://unitsofmeasure.org",\n    "code": "mg"\n  }');
    expect(text).to.include('"value": 1532.80');
    expect(text).to.include('"low": {\n        "value": -1e3\n      },\n      "high": {\n        "value": 4.0\n      }');
    expect(text).to.include('"code": {\n        "text": "c"\n      },\n      "valueQuantity"');
  });

  it("orders resources in Bundle entries, a Bundle inside an entry, contained resources and Parameters", () => {
    const tree = {
      type: "collection",
      entry: [
        { resource: { status: "final", resourceType: "Observation", code: { text: "t" } }, fullUrl: "urn:uuid:1" },
        { resource: { type: "collection", resourceType: "Bundle", entry: [{ resource: { gender: "male", contained: [{ name: "m", resourceType: "Medication", id: "m" }], resourceType: "Patient" } }] } },
        { resource: { parameter: [{ resource: { birthDate: "2000", resourceType: "Patient" }, name: "p" }], resourceType: "Parameters" } },
      ],
      resourceType: "Bundle",
    };
    const compact = formatFhirJson(tree, { indent: 0 });
    expect(compact).to.equal(
      '{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Observation","status":"final","code":{"text":"t"}}},' +
        '{"resource":{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","contained":[{"resourceType":"Medication","id":"m","name":"m"}],"gender":"male"}}]}},' +
        '{"resource":{"resourceType":"Parameters","parameter":[{"name":"p","resource":{"resourceType":"Patient","birthDate":"2000"}}]}}]}',
    );
    expect(formatFhirJson(tree)).to.equal(JSON.stringify(JSON.parse(compact), null, 2));
    expect(formatFhirJson(tree, { indent: 4 })).to.equal(JSON.stringify(JSON.parse(compact), null, 4));
  });

  it("escapes strings as JSON.stringify does and keeps arrays, nulls and empty containers", () => {
    const tree = { resourceType: "Patient", name: [{ given: ["a\"b\\c\n\u0001é\u2028😀", "x"], _given: [null, { id: "g" }] }], unknown: { z: [], a: {} } };
    expect(formatFhirJson(tree)).to.equal(JSON.stringify(tree, null, 2));
  });

  it("property: parseFhirJson(formatFhirJson(x)) has the canonical JSON of x, for generated bundles with shuffled keys", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer(), fc.integer({ min: 0, max: 4 }), (seed, order, indent) => {
        const bundle = parseFhirJson(JSON.stringify(generatePatientBundles({ seed, patients: 1 })[0]).replace(/"value":(\d+)\.(\d)(?=[,}])/g, '"value":$1.$20'));
        const expected = canonicalJson(bundle);
        const text = formatFhirJson(shuffleKeys(bundle, new Prng(order)), { indent });
        expect(canonicalJson(parseFhirJson(text))).to.equal(expected);
        expect(formatFhirJson(parseFhirJson(text), { indent })).to.equal(formatFhirJson(bundle, { indent }));
      }),
      { numRuns: 60 },
    );
  });

  it("formats a 4 MB Bundle in well under a second", () => {
    const entries = generatePatientBundles({ seed: 5, patients: 240 }).flatMap((b) => b.entry ?? []);
    const bundle: Bundle = { resourceType: "Bundle", type: "collection", entry: entries };
    const tree = parseFhirJson(JSON.stringify(bundle));
    const compactSize = JSON.stringify(bundle).length;
    expect(compactSize).to.be.greaterThan(4_000_000);
    formatFhirJson(tree); // warm the type cache
    const start = performance.now();
    const text = formatFhirJson(tree);
    const ms = performance.now() - start;
    expect(text.length).to.be.greaterThan(compactSize);
    expect(ms, `${ms.toFixed(0)} ms`).to.be.lessThan(700);
    if (process.env.FHIR_BENCH) console.log(`      formatFhirJson: ${(compactSize / 1e6).toFixed(1)} MB compact in ${ms.toFixed(0)} ms`);
  });

  it("refuses what JSON cannot carry", () => {
    expect(() => formatFhirJson({ resourceType: "Patient", x: () => 1 })).to.throw(/function/);
    expect(() => formatFhirJson({ resourceType: "Patient", x: Number.NaN })).to.throw(/finite/);
    expect(() => formatFhirJson({ resourceType: "Patient", x: new Date() })).to.throw(/plain/);
    const cycle: { [key: string]: unknown } = { resourceType: "Patient" };
    cycle.self = cycle;
    expect(() => formatFhirJson(cycle)).to.throw(/cycle/);
    expect(() => formatFhirJson({}, { indent: -1 })).to.throw(/indent/);
  });
});
