/**
 * `describeRecord` over real records: the synthetic patient bundles split by `splitBundle`, whose encounter key
 * each record's description must find again from the record alone; and the clinical period over the date
 * elements of hand-made resources (dateTimes, instants, partial dates and Periods).
 */
import { expect } from "chai";
import type { Bundle } from "@medplum/fhirtypes";
import { describeRecord } from "../../../sdk/records/describe";
import { splitBundle } from "../../../sdk/fhir";
import { generatePatientBundles } from "../../fixtures/generate";

describe("describeRecord", () => {
  it("finds the encounter the splitter gave each record (its Encounter from the other records), and counts its resources", () => {
    const [bundle] = generatePatientBundles({ seed: 5, patients: 1 });
    const records = splitBundle(bundle);
    expect(records.some((r) => r.encounter !== undefined)).to.equal(true);
    for (const record of records) {
      const description = describeRecord(record.bundle, records.map((r) => r.bundle));
      expect(description.encounter, record.kind).to.equal(record.encounter);
      expect(description.resources).to.equal(record.bundle.entry?.length ?? 0);
    }
    const referring = records.find((r) => r.kind !== "Encounter" && r.encounter !== undefined)!;
    expect(describeRecord(referring.bundle).encounter, "alone, a urn:uuid reference stays as written").to.match(/^urn:uuid:|^Encounter\//);
  });

  it("spans the earliest to the latest clinical date, date parts only", () => {
    const bundle = {
      resourceType: "Bundle",
      type: "collection",
      entry: [
        { resource: { resourceType: "Encounter", id: "e1", status: "finished", class: { code: "AMB" }, period: { start: "2024-03-05T09:00:00Z", end: "2024-03-06T10:00:00Z" } } },
        { resource: { resourceType: "Observation", id: "o1", status: "final", code: { text: "x" }, encounter: { reference: "Encounter/e1" }, effectiveDateTime: "2024-03-05T09:30:00+01:00", issued: "2024-03-07T08:00:00Z" } },
        { resource: { resourceType: "Condition", id: "c1", subject: { reference: "Patient/p" }, onsetDateTime: "2019", recordedDate: "2024-03-05" } },
      ],
    } as unknown as Bundle;
    expect(describeRecord(bundle)).to.deep.equal({ encounter: "Encounter/e1", period: { start: "2019", end: "2024-03-07" }, resources: 3 });
  });

  it("has no encounter nor period when the record names none", () => {
    const bundle = { resourceType: "Bundle", type: "collection", entry: [{ resource: { resourceType: "Patient", id: "p", birthDate: "1970-01-01" } }] } as unknown as Bundle;
    expect(describeRecord(bundle)).to.deep.equal({ resources: 1 });
    expect(describeRecord({ resourceType: "Bundle", type: "collection" } as Bundle)).to.deep.equal({ resources: 0 });
  });
});
