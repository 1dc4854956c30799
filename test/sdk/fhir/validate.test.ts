import { expect } from "chai";
import fc from "fast-check";
import type { Bundle, Observation, Patient } from "@medplum/fhirtypes";
import { FhirValidationError, validateFhir } from "../../../sdk/fhir";
import { generatePatientBundles } from "../../fixtures/generate";
import exampleBundle from "../../fixtures/synthetic-patient-bundle.json";
import { clone, expectRejectedAt, rejectionOf, resourcesOf } from "./helpers";

const VALID_PATIENT: Patient = { resourceType: "Patient", id: "p1", gender: "female", birthDate: "1970-03-04" };
const VALID_OBSERVATION: Observation = {
  resourceType: "Observation",
  status: "final",
  code: { coding: [{ system: "http://loinc.org", code: "8867-4" }] },
  valueQuantity: { value: 72, unit: "/min", system: "http://unitsofmeasure.org", code: "/min" },
};

describe("sdk/fhir validateFhir", function () {
  this.timeout(30_000);

  describe("accepts valid FHIR R4", () => {
    it("every generated bundle, returned as the same typed object", () => {
      const bundles = generatePatientBundles({ seed: 11, patients: 25 });
      for (const bundle of bundles) {
        const result = validateFhir(bundle);
        expect(result).to.equal(bundle);
        expect(result.resourceType).to.equal("Bundle");
      }
    });

    it("the committed example bundle as an object, a JSON string and UTF-8 bytes", () => {
      const text = JSON.stringify(exampleBundle);
      const fromString = validateFhir(text, "Bundle");
      expect(fromString.type).to.equal("collection");
      expect(fromString.entry).to.have.length(exampleBundle.entry.length);
      expect(validateFhir(new TextEncoder().encode(text)).resourceType).to.equal("Bundle");
      expect(validateFhir(clone(exampleBundle)).resourceType).to.equal("Bundle");
    });

    it("single resources, typed by the expected type", () => {
      const patient = validateFhir(clone(VALID_PATIENT), "Patient");
      expect(patient.birthDate).to.equal("1970-03-04");
      expect(validateFhir(clone(VALID_OBSERVATION)).resourceType).to.equal("Observation");
      for (const resource of resourcesOf(generatePatientBundles({ seed: 3, patients: 1 })[0])) {
        expect(validateFhir(resource)).to.equal(resource);
      }
    });
  });

  describe("rejects invalid input naming the element", () => {
    it("a number as birthDate", () => {
      expectRejectedAt({ ...VALID_PATIENT, birthDate: 19700304 }, "Patient.birthDate", /^Expected a string, but found a number$/);
    });

    it("a malformed birthDate string", () => {
      expectRejectedAt({ ...VALID_PATIENT, birthDate: "1970-13-45" }, "Patient.birthDate", /date/i);
    });

    it("an unknown resourceType, a missing one, and a Medplum-only one", () => {
      expectRejectedAt({ resourceType: "Patientt", id: "x" }, "resourceType", /Unknown FHIR R4 resource type/);
      expectRejectedAt({ id: "x", gender: "male" }, "resourceType", /Missing resource type/);
      expectRejectedAt({ resourceType: "Bot", name: "b" }, "resourceType", /Unknown/);
      expectRejectedAt({ resourceType: "DomainResource" }, "resourceType", /Unknown/);
    });

    it("an Observation without status and code, reporting both", () => {
      const issues = rejectionOf({ resourceType: "Observation", valueString: "x" });
      expect(issues.map((issue) => issue.path)).to.include.members(["Observation.status", "Observation.code"]);
      expect(issues.every((issue) => /Missing required property/.test(issue.message))).to.equal(true);
    });

    it("values outside required value sets (gender, Observation.status, Bundle.type, nested comparator)", () => {
      expectRejectedAt({ ...VALID_PATIENT, gender: "robot" }, "Patient.gender", /required value set .*administrative-gender/);
      expectRejectedAt({ ...VALID_OBSERVATION, status: "done" }, "Observation.status", /observation-status/);
      expectRejectedAt({ resourceType: "Bundle", type: "bag" }, "Bundle.type", /bundle-type/);
      const comparator = { ...clone(VALID_OBSERVATION), valueQuantity: { value: 1, comparator: "~" } };
      expectRejectedAt(comparator, "Observation.valueQuantity.comparator", /quantity-comparator/);
    });

    it("bad JSON strings and non-object input", () => {
      expectRejectedAt('{"resourceType": "Patient", "gender": ', "$", /^Invalid JSON/);
      expectRejectedAt("{resourceType: Patient}", "$", /^Invalid JSON at position 1: Expected a property name$/);
      expectRejectedAt(new Uint8Array([0x7b, 0xff, 0x7d]), "$", /UTF-8/);
      for (const input of [null, 42, [], "null", '["Patient"]', undefined]) expectRejectedAt(input, "$", /JSON object/);
    });

    it("an unknown element, a bad resource id and a bad meta.versionId", () => {
      expectRejectedAt({ ...VALID_OBSERVATION, colour: "red" }, "Observation.colour", /^Unknown property colour$/);
      expectRejectedAt({ ...VALID_PATIENT, id: "has spaces!" }, "Patient.id", /id format/);
      expectRejectedAt({ ...VALID_PATIENT, meta: { versionId: "1 2" } }, "Patient.meta.versionId", /id format/);
    });

    it("errors inside contained resources", () => {
      expectRejectedAt({ ...VALID_OBSERVATION, contained: [{ resourceType: "Patient", gender: "x" }] }, "Observation.contained[0].gender", /administrative-gender/);
      expectRejectedAt({ ...VALID_OBSERVATION, contained: [{ resourceType: "Nope" }] }, "Observation.contained[0].resourceType", /Unknown/);
    });

    it("a resource of another type than expected", () => {
      expect(() => validateFhir(clone(VALID_PATIENT), "Bundle"))
        .to.throw(FhirValidationError)
        .with.property("issues")
        .that.deep.equals([{ path: "resourceType", message: "Expected resource type Bundle", code: "invalid" }]);
    });
  });

  describe("validates every resource inside a Bundle", () => {
    const base = generatePatientBundles({ seed: 5, patients: 1 })[0];
    const observationAt = (base.entry ?? []).findIndex((entry) => entry.resource?.resourceType === "Observation");

    it("a missing Observation.status in one entry", () => {
      const bundle = clone(base);
      delete (bundle.entry?.[observationAt].resource as Partial<Observation>).status;
      expectRejectedAt(bundle, `Bundle.entry[${observationAt}].resource.status`, /Missing required property/);
    });

    it("a resource-level invariant of an entry's resource (obs-6), also in a Bundle nested in an entry", () => {
      const bundle = clone(base);
      const observation = bundle.entry?.[observationAt].resource as Observation;
      expect(observation.valueQuantity).to.not.equal(undefined);
      observation.dataAbsentReason = { text: "not measured" };
      const issues = expectRejectedAt(bundle, `Bundle.entry[${observationAt}].resource`, /obs-6/);
      expect(issues.filter((issue) => /obs-6/.test(issue.message))).to.have.length(1);
      const outer = { resourceType: "Bundle", type: "collection", entry: [{ fullUrl: "urn:uuid:00000000-0000-4000-8000-00000000000a", resource: bundle }] };
      expectRejectedAt(outer, `Bundle.entry[0].resource.entry[${observationAt}].resource`, /obs-6/);
      // Without the invariant broken, the same bundle passes.
      delete observation.dataAbsentReason;
      validateFhir(outer);
    });

    it("an entry whose resource is not a resource, or of an unknown type", () => {
      const notObject = clone(base) as unknown as { entry: { resource: unknown }[] };
      notObject.entry[1].resource = "Patient";
      expectRejectedAt(notObject, "Bundle.entry[1].resource", /JSON object/);
      const unknown = clone(base) as unknown as { entry: { resource: unknown }[] };
      unknown.entry[2].resource = { resourceType: "Vitals" };
      expectRejectedAt(unknown, "Bundle.entry[2].resource.resourceType", /Unknown/);
    });

    it("an entry with neither resource nor request/response (bdl-5)", () => {
      const bundle = clone(base);
      bundle.entry?.push({ fullUrl: "urn:uuid:00000000-0000-4000-8000-000000000000" });
      expectRejectedAt(bundle, `Bundle.entry[${(bundle.entry?.length ?? 0) - 1}]`, /bdl-5/);
    });

    it("property: a bad id in any entry of any generated bundle is reported at that entry", () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.nat(), (seed, pick) => {
          const bundle = generatePatientBundles({ seed, patients: 1 })[0];
          const entries = bundle.entry ?? [];
          const index = pick % entries.length;
          const resource = entries[index].resource;
          if (resource) resource.id = "not/an id";
          const issues = rejectionOf(bundle);
          expect(issues.map((issue) => issue.path)).to.deep.equal([`Bundle.entry[${index}].resource.id`]);
        }),
        { numRuns: 25 },
      );
    });
  });

  it("never puts element values into the error", () => {
    const secret = "Zqxjkvbwmpt";
    const cases: unknown[] = [
      { resourceType: "Patient", name: [{ family: secret }], birthDate: `${secret}-01-01` },
      { resourceType: "Patient", name: [{ family: secret }], gender: secret },
      { resourceType: "Patient", id: `${secret} 1` },
      { resourceType: "Patient", name: [{ family: secret, _family: 5 }] },
      { resourceType: "Patient", [secret]: secret },
      { resourceType: secret, name: secret },
      { resourceType: "Observation", status: "final", code: { text: secret }, subject: { reference: `Organization/${secret}` }, valueString: 3 },
      { resourceType: "Bundle", type: "collection", entry: [{ resource: { resourceType: "Patient", birthDate: secret } }] },
      `{"resourceType": "Patient", "name": [{"family": ${secret}}]}`,
      `{"resourceType": "Patient", "family": "${secret}"`,
    ];
    for (const input of cases) {
      let error: unknown;
      try {
        validateFhir(input);
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(input)).to.be.instanceOf(FhirValidationError);
      const { message, issues } = error as FhirValidationError;
      // An unknown element's name is part of its path (and named by the validator); its value never is.
      const scrub = (text: string) => issues.reduce((t, issue) => t.split(issue.path).join(""), text).split(`Unknown property ${secret}`).join("");
      expect(scrub(message), message).to.not.include(secret);
      for (const issue of issues) expect(scrub(issue.message), issue.message).to.not.include(secret);
    }
  });

  it("reports every issue in `issues` and the first ones in the message", () => {
    const bundle: Bundle = { resourceType: "Bundle", type: "collection", entry: [] };
    for (let i = 0; i < 7; i++) bundle.entry?.push({ resource: { resourceType: "Observation" } as Observation });
    try {
      validateFhir(bundle);
      expect.fail("accepted");
    } catch (err) {
      const error = err as FhirValidationError;
      expect(error.issues).to.have.length(14);
      expect(error.message).to.match(/^invalid FHIR R4 \(14 issues\): Bundle\.entry\[0\]\.resource\.status: Missing required property status;/);
      expect(error.message).to.match(/and 9 more$/);
    }
  });
});
