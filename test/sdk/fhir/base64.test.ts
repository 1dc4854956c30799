import { expect } from "chai";
import fc from "fast-check";
import { validateFhir } from "../../../sdk/fhir";
import { base64FormatProblem } from "../../../sdk/fhir/formats";
import { expectRejectedAt } from "./helpers";

const MB = 1024 * 1024;
/** Well-formed base64 of `bytes` bytes. */
const base64Of = (bytes: number) => Buffer.alloc(bytes, 0xa7).toString("base64");
const pdf = (data: string) => ({ resourceType: "DocumentReference", status: "current", content: [{ attachment: { contentType: "application/pdf", data } }] });

describe("sdk/fhir base64Binary over 1 MB", function () {
  this.timeout(60_000);

  it("accepts a 5 MB scanned PDF in DocumentReference.content.attachment.data", () => {
    const data = base64Of(5 * MB);
    expect(data.length).to.be.greaterThan(5 * MB);
    expect(validateFhir(pdf(data)).resourceType).to.equal("DocumentReference");
  });

  it("accepts large base64 in Binary.data, Signature.data and valueBase64Binary, inside a Bundle", () => {
    const data = base64Of(1.5 * MB);
    const signature = { type: [{ code: "1.2.840.10065.1.12.1.1", system: "urn:iso-astm:E1762-95:2013" }], when: "2020-01-01T00:00:00Z", who: { reference: "Practitioner/p" }, data };
    const bundle = {
      resourceType: "Bundle",
      type: "collection",
      signature,
      entry: [
        { resource: { resourceType: "Binary", contentType: "application/pdf", data } },
        { resource: { resourceType: "Patient", extension: [{ url: "http://example.org/scan", valueBase64Binary: data }] } },
        { resource: pdf(data) },
      ],
    };
    expect(validateFhir(bundle).resourceType).to.equal("Bundle");
  });

  it("rejects malformed base64 of 5 MB, naming the element and the rule", () => {
    const data = base64Of(5 * MB);
    expectRejectedAt(pdf(`${data.slice(0, 1000)}\n${data.slice(1000)}`), "DocumentReference.content[0].attachment.data", /^Invalid base64Binary format: a character outside the base64 alphabet/);
    expectRejectedAt(pdf(data.slice(0, -1)), "DocumentReference.content[0].attachment.data", /^Invalid base64Binary format: length not a multiple of 4$/);
    expectRejectedAt(pdf(`${data.slice(0, 4)}=${data.slice(5)}`), "DocumentReference.content[0].attachment.data", /^Invalid base64Binary format: padding/);
    const bundle = { resourceType: "Bundle", type: "collection", entry: [{ resource: { resourceType: "Binary", contentType: "x/y", data: `${data}*` } }] };
    expectRejectedAt(bundle, "Bundle.entry[0].resource.data", /^Invalid base64Binary format/);
  });

  it("still rejects a 1.1 MB string", () => {
    const text = "a".repeat(1.1 * MB);
    expectRejectedAt({ resourceType: "Patient", name: [{ text }] }, "Patient.name[0].text", /^A string cannot be longer than 1 MB/);
    expectRejectedAt({ resourceType: "Observation", status: "final", code: { text: "t" }, valueString: text }, "Observation.value[x]", /^A string cannot be longer than 1 MB/);
  });

  it("validates 20 MB of base64 in well under a second", () => {
    const resource = pdf(base64Of(15 * MB));
    expect(resource.content[0].attachment.data.length).to.equal(20 * MB);
    validateFhir(pdf("aGVsbG8=")); // loads the definitions (once per process), not part of the measure
    const start = performance.now();
    validateFhir(resource);
    const ms = performance.now() - start;
    expect(ms).to.be.lessThan(800);
  });

  it("property: base64FormatProblem agrees with Buffer's base64 and the RFC 4648 grammar", () => {
    const grammar = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.constantFrom("", "=", " ", "\n", "*", "A", "é"), (bytes, at, insert) => {
        const good = Buffer.from(bytes).toString("base64");
        expect(base64FormatProblem(good)).to.equal(undefined);
        const i = at % (good.length + 1);
        const mutated = good.slice(0, i) + insert + good.slice(i);
        expect(base64FormatProblem(mutated) === undefined).to.equal(grammar.test(mutated));
      }),
      { numRuns: 500 },
    );
  });
});
