import { expect } from "chai";
import fc from "fast-check";
import { FhirValidationError, validateFhir } from "../../../sdk/fhir";
import { explainIssue } from "../../../sdk/fhir/messages";
import { expectRejectedAt, rejectionOf } from "./helpers";

const OBSERVATION = { resourceType: "Observation", status: "final", code: { text: "t" } };

/** The messages at `path` when `input` is rejected. */
function messagesAt(input: unknown, path: string): string[] {
  return rejectionOf(input)
    .filter((issue) => issue.path === path)
    .map((issue) => issue.message);
}

describe("sdk/fhir rejection messages", function () {
  this.timeout(60_000);

  it("a missing required element names the property", () => {
    expect(messagesAt({ resourceType: "Patient", text: { status: "generated" } }, "Patient.text.div")).to.deep.equal(["Missing required property div"]);
    expect(messagesAt({ resourceType: "Observation", code: { text: "t" } }, "Observation.status")).to.deep.equal(["Missing required property status"]);
  });

  it("an unknown element names it", () => {
    expect(messagesAt({ resourceType: "Patient", colour: "red" }, "Patient.colour")).to.deep.equal(["Unknown property colour"]);
  });

  it("a wrong JSON type says what was expected and found", () => {
    expect(messagesAt({ resourceType: "Patient", birthDate: 19700304 }, "Patient.birthDate")).to.deep.equal(["Expected a string, but found a number"]);
    expect(messagesAt({ resourceType: "Patient", active: "yes" }, "Patient.active")).to.deep.equal(["Expected a boolean (true or false), but found a string"]);
    expect(messagesAt({ ...OBSERVATION, valueQuantity: { value: "1.0" } }, "Observation.value[x].value")).to.deep.equal(["Expected a number, but found a string"]);
    expect(messagesAt({ resourceType: "Patient", name: { family: "x" } }, "Patient.name")).to.deep.equal(["Expected an array of values for property name"]);
    expect(messagesAt({ resourceType: "Patient", gender: ["male"] }, "Patient.gender")).to.deep.equal(["Expected a single value, not an array, for property gender"]);
  });

  it("an invalid format says which format and what it requires", () => {
    expect(messagesAt({ resourceType: "Patient", birthDate: "1970-13-45" }, "Patient.birthDate")).to.deep.equal(["Invalid date format: expected YYYY, YYYY-MM or YYYY-MM-DD (a real month and day)"]);
    expect(messagesAt({ ...OBSERVATION, effectiveDateTime: "yesterday" }, "Observation.effective[x]")[0]).to.match(/^Invalid dateTime format: expected YYYY, .*time zone/);
    expect(messagesAt({ ...OBSERVATION, issued: "2020" }, "Observation.issued")[0]).to.match(/^Invalid instant format: expected YYYY-MM-DDThh:mm:ss/);
    expect(messagesAt({ ...OBSERVATION, code: { coding: [{ code: " x" }] } }, "Observation.code.coding[0].code")[0]).to.match(/^Invalid code format: expected a code/);
    expect(messagesAt({ ...OBSERVATION, code: { coding: [{ system: "http://a b" }] } }, "Observation.code.coding[0].system")).to.deep.equal(["Invalid uri format: expected a URI without whitespace"]);
    expect(messagesAt({ resourceType: "Patient", telecom: [{ rank: 0 }] }, "Patient.telecom[0].rank")).to.deep.equal(["Expected a whole number greater than 0 (a positiveInt)"]);
    expect(messagesAt({ resourceType: "Patient", multipleBirthInteger: 1.5 }, "Patient.multipleBirth[x]")).to.deep.equal(["Expected a whole number (an integer)"]);
  });

  it("a bad id says which rule it breaks, for resource ids and other id elements", () => {
    expect(messagesAt({ resourceType: "Patient", id: "a".repeat(65) }, "Patient.id")).to.deep.equal(["Invalid id format: longer than 64 characters"]);
    expect(messagesAt({ resourceType: "Patient", id: "a_b" }, "Patient.id")).to.deep.equal(["Invalid id format: characters outside A-Z a-z 0-9 - ."]);
    expect(messagesAt({ resourceType: "Patient", meta: { versionId: "a b" } }, "Patient.meta.versionId")).to.deep.equal(["Invalid id format: characters outside A-Z a-z 0-9 - ."]);
    expect(messagesAt({ resourceType: "Patient", meta: { versionId: "7".repeat(70) } }, "Patient.meta.versionId")).to.deep.equal(["Invalid id format: longer than 64 characters"]);
    expect(messagesAt({ resourceType: "Patient", id: "" }, "Patient.id")).to.deep.equal(["Empty value: a string must contain non-whitespace content"]);
    expect(messagesAt({ resourceType: "Patient", birthDate: "" }, "Patient.birthDate")).to.deep.equal(["Empty value: a string must contain non-whitespace content"]);
    expect(messagesAt({ resourceType: "Patient", name: [{ given: ["a", ""] }] }, "Patient.name[0].given[1]")).to.deep.equal(["Empty value: a string must contain non-whitespace content"]);
  });

  it("cardinality, null and empty values", () => {
    expect(messagesAt({ resourceType: "Patient", link: [{ type: "refer" }] }, "Patient.link[0].other")).to.deep.equal(["Missing required property other"]);
    expect(messagesAt({ resourceType: "Patient", active: null }, "Patient.active")).to.deep.equal(["Null is not allowed here: leave the element out instead"]);
    expect(messagesAt({ resourceType: "Patient", name: [{ given: [" "] }] }, "Patient.name[0].given[0]")).to.deep.equal(["Empty value: a string must contain non-whitespace content"]);
  });

  it("a required binding names the value set", () => {
    expectRejectedAt({ resourceType: "Patient", gender: "robot" }, "Patient.gender", /^Value is not in the required value set AdministrativeGender \(http:\/\/hl7\.org\/fhir\/ValueSet\/administrative-gender\|4\.0\.1\)$/);
    expectRejectedAt({ resourceType: "Bundle", type: "bag" }, "Bundle.type", /^Value is not in the required value set BundleType \(/);
  });

  it("an invariant names its key and its text from the StructureDefinition", () => {
    expect(messagesAt({ ...OBSERVATION, valueString: "a", dataAbsentReason: { text: "b" } }, "Observation")).to.deep.equal([
      "Constraint obs-6 not met: dataAbsentReason SHALL only be present if Observation.value[x] is not present",
    ]);
  });

  it("property: no value of a rejected input appears in any message", () => {
    const secret = fc.stringMatching(/^[a-z]{12,20}$/);
    const badResource = fc.oneof(
      secret.map((s) => ({ resourceType: "Patient", birthDate: `${s}-01` })),
      secret.map((s) => ({ resourceType: "Patient", gender: s })),
      secret.map((s) => ({ resourceType: "Patient", id: `${s}_${s}` })),
      secret.map((s) => ({ resourceType: "Patient", id: s.repeat(6) })),
      secret.map((s) => ({ resourceType: "Patient", meta: { versionId: `${s} ${s}` } })),
      secret.map((s) => ({ resourceType: "Patient", name: [{ family: s, given: [`${s}\u0001`] }] })),
      secret.map((s) => ({ resourceType: "Patient", colour: s })),
      secret.map((s) => ({ resourceType: "Patient", active: s })),
      secret.map((s) => ({ resourceType: "Patient", photo: [{ url: `${s} ${s}` }] })),
      secret.map((s) => ({ ...OBSERVATION, valueQuantity: { value: s } })),
      secret.map((s) => ({ ...OBSERVATION, code: { coding: [{ code: `${s}  ${s}` }] } })),
      secret.map((s) => ({ ...OBSERVATION, effectiveDateTime: s })),
      secret.map((s) => ({ ...OBSERVATION, valueString: s, dataAbsentReason: { text: s } })),
      secret.map((s) => ({ resourceType: "DocumentReference", status: "current", content: [{ attachment: { data: `${s}!` } }] })),
      secret.map((s) => ({ resourceType: "Observation", code: { text: s } })),
    );
    fc.assert(
      fc.property(fc.array(badResource, { minLength: 1, maxLength: 4 }), (resources) => {
        // Each resource alone, and all in one Bundle (where @medplum/core does not check the entries' invariants).
        const inputs = [...resources, { resourceType: "Bundle", type: "collection", entry: resources.map((resource) => ({ resource })) }];
        const secrets = JSON.stringify(resources).match(/[a-z]{12,}/g) ?? [];
        inputs.forEach((input, i) => {
          let error: unknown;
          try {
            validateFhir(input);
          } catch (err) {
            error = err;
          }
          if (i < resources.length || error !== undefined) expect(error).to.be.instanceOf(FhirValidationError);
          for (const issue of (error as FhirValidationError | undefined)?.issues ?? []) for (const s of secrets) expect(issue.message, issue.message).to.not.include(s);
          if (error) for (const s of secrets) expect((error as Error).message.split(/Unknown property [a-z]+|Patient\.[a-z]+/).join("")).to.not.include(s);
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe("sdk/fhir explainIssue", () => {
  it("rewrites cardinality and slice counts, and keeps spec-only messages it does not know", () => {
    expect(explainIssue("Invalid number of values: expected 1..1, but found 2", "Observation.code.coding")).to.equal("Expected 1..1 values for property coding, but found 2");
    expect(explainIssue("Invalid number of values: expected 2..*, but found 1", "X.y[0].z")).to.equal("Expected 2..* values for property z, but found 1");
    expect(explainIssue("Invalid base64Binary format", "Binary.data", "ab c")).to.equal("Invalid base64Binary format: a character outside the base64 alphabet A-Z a-z 0-9 + / (whitespace and line breaks are not allowed)");
    expect(explainIssue("Invalid id format", "Patient.meta.versionId")).to.equal("Invalid id format: expected 1 to 64 characters of A-Z a-z 0-9 - .");
    expect(explainIssue("Constraint bdl-7 not met: FullUrl must be unique in a bundle", "Bundle")).to.equal("Constraint bdl-7 not met: FullUrl must be unique in a bundle");
  });
});
