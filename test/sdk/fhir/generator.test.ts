import { expect } from "chai";
import type { Bundle, Condition, MedicationRequest, Observation, Patient } from "@medplum/fhirtypes";
import { canonicalJson } from "../../../sdk/fhir";
import { generatePatientBundles } from "../../fixtures/generate";
import exampleBundle from "../../fixtures/synthetic-patient-bundle.json";
import { resourcesOf } from "./helpers";

const LOINC = "http://loinc.org";
const UCUM = "http://unitsofmeasure.org";
const SNOMED = "http://snomed.info/sct";
const RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm";

describe("test/fixtures generatePatientBundles", function () {
  this.timeout(30_000);

  it("is deterministic per seed", () => {
    const a = generatePatientBundles({ seed: 2024, patients: 20 });
    const b = generatePatientBundles({ seed: 2024, patients: 20 });
    expect(a.map((x) => canonicalJson(x))).to.deep.equal(b.map((x) => canonicalJson(x)));
    const other = generatePatientBundles({ seed: 2025, patients: 20 });
    expect(other.map((x) => canonicalJson(x))).to.not.deep.equal(a.map((x) => canonicalJson(x)));
  });

  it("makes patient i the same whatever the number of patients", () => {
    const five = generatePatientBundles({ seed: 9, patients: 5 });
    expect(generatePatientBundles({ seed: 9, patients: 1, firstPatient: 3 })[0]).to.deep.equal(five[3]);
    expect(generatePatientBundles({ seed: 9, patients: 2 })).to.deep.equal(five.slice(0, 2));
  });

  it("reproduces the committed example bundle (seed 1, patient 0)", () => {
    expect(generatePatientBundles({ seed: 1, patients: 1 })[0]).to.deep.equal(exampleBundle);
  });

  it("does not use Math.random", () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error("Math.random used");
    };
    try {
      expect(generatePatientBundles({ seed: 4, patients: 10 })).to.have.length(10);
    } finally {
      Math.random = original;
    }
  });

  it("rejects a non-integer seed or a negative count", () => {
    expect(() => generatePatientBundles({ seed: 1.5, patients: 1 })).to.throw(RangeError);
    expect(() => generatePatientBundles({ seed: 1, patients: -1 })).to.throw(RangeError);
  });

  it("makes realistic, tagged, coded bundles with unique ids", () => {
    const bundles: Bundle[] = generatePatientBundles({ seed: 77, patients: 200 });
    const ids = new Set<string>();
    const problems: string[] = [];
    let noEncounterConditions = 0;
    let encounterConditions = 0;
    let labs = 0;
    for (const bundle of bundles) {
      expect(bundle.type).to.equal("collection");
      const resources = resourcesOf(bundle);
      const patients = resources.filter((r): r is Patient => r.resourceType === "Patient");
      expect(patients).to.have.length(1);
      expect(patients[0].name?.[0].family).to.be.a("string");
      expect(patients[0].birthDate).to.match(/^\d{4}-\d{2}-\d{2}$/);
      expect(patients[0].identifier?.[0].value).to.match(/^SYN-\d{8}$/);
      expect(resources.filter((r) => r.resourceType === "Encounter").length).to.be.within(1, 4);
      for (const entry of bundle.entry ?? []) {
        const id = entry.resource?.id ?? "";
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)) problems.push(`id ${id}`);
        if (entry.fullUrl !== `urn:uuid:${id}`) problems.push(`fullUrl ${entry.fullUrl}`);
        if (ids.has(id)) problems.push(`duplicate id ${id}`);
        ids.add(id);
        if (entry.resource?.meta?.tag?.[0].code !== "HTEST") problems.push(`untagged ${id}`);
      }
      for (const obs of resources.filter((r): r is Observation => r.resourceType === "Observation")) {
        if (obs.code.coding?.[0].system !== LOINC) problems.push(`not LOINC ${obs.id}`);
        const quantities = obs.valueQuantity ? [obs.valueQuantity] : (obs.component ?? []).map((c) => c.valueQuantity);
        if (quantities.length === 0 || quantities.some((q) => q?.system !== UCUM || typeof q.value !== "number")) problems.push(`not UCUM ${obs.id}`);
        if (obs.category?.[0].coding?.[0].code === "laboratory") labs++;
      }
      for (const condition of resources.filter((r): r is Condition => r.resourceType === "Condition")) {
        if (condition.code?.coding?.[0].system !== SNOMED) problems.push(`not SNOMED ${condition.id}`);
        if (condition.encounter) encounterConditions++;
        else noEncounterConditions++;
      }
      for (const request of resources.filter((r): r is MedicationRequest => r.resourceType === "MedicationRequest")) {
        if (request.medicationCodeableConcept?.coding?.[0].system !== RXNORM) problems.push(`not RxNorm ${request.id}`);
      }
    }
    expect(problems).to.deep.equal([]);
    expect(ids.size).to.be.greaterThan(200 * 10);
    expect(labs).to.be.greaterThan(0);
    expect(encounterConditions).to.be.greaterThan(0);
    expect(noEncounterConditions).to.be.greaterThan(0);
  });

  it("generates the 1,000-patient benchmark set with one Patient per bundle and distinct ids", () => {
    const bundles = generatePatientBundles({ seed: 1000, patients: 1000 });
    expect(bundles).to.have.length(1000);
    const patientIds = bundles.map((bundle) => bundle.entry?.find((entry) => entry.resource?.resourceType === "Patient")?.resource?.id);
    expect(patientIds.every((id) => typeof id === "string")).to.equal(true);
    expect(new Set(patientIds).size).to.equal(1000);
  });
});
