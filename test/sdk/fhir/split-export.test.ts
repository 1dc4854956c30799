import { expect } from "chai";
import fc from "fast-check";
import type { Bundle, BundleEntry, Resource } from "@medplum/fhirtypes";
import { canonicalJson, exportRecords, recordKind, recordSourceOf, splitBundle, validateFhir, type FhirRecord } from "../../../sdk/fhir";
import { generatePatientBundles } from "../../fixtures/generate";
import exampleBundle from "../../fixtures/synthetic-patient-bundle.json";
import { Prng } from "../../fixtures/prng";
import { clone, resourcesOf, shuffled } from "./helpers";

/** Canonical JSON of each entry's `fullUrl` + `resource`, sorted: a Bundle's content as a multiset. */
function contentMultiset(bundle: Bundle): string[] {
  return (bundle.entry ?? [])
    .filter((entry) => entry.resource !== undefined)
    .map((entry) => canonicalJson({ fullUrl: entry.fullUrl, resource: entry.resource }))
    .sort();
}

/** Canonical JSON of each resource, sorted. */
function resourceMultiset(bundle: Bundle): string[] {
  return resourcesOf(bundle).map((resource) => canonicalJson(resource)).sort();
}

const example = exampleBundle as Bundle;
const summary = (records: FhirRecord[]) => records.map((r) => [r.kind, r.encounter ?? null, r.bundle.entry?.length ?? 0]);

describe("sdk/fhir splitBundle and exportRecords", function () {
  this.timeout(30_000);

  describe("splitBundle", () => {
    it("splits the example into one record per (encounter, kind), Patient first", () => {
      const records = splitBundle(clone(example));
      const encounters = resourcesOf(example).filter((r) => r.resourceType === "Encounter").map((r) => `Encounter/${r.id}`).sort();
      expect(records[0].kind).to.equal("Patient");
      expect(records[0]).to.not.have.property("encounter");
      expect(records.filter((r) => r.kind === "Encounter").map((r) => r.encounter)).to.deep.equal(encounters);
      const keys = records.map((r) => JSON.stringify([r.kind, r.encounter ?? null]));
      expect(new Set(keys).size).to.equal(keys.length);
      const total = records.reduce((n, r) => n + (r.bundle.entry?.length ?? 0), 0);
      expect(total).to.equal(example.entry?.length);
    });

    it("property: every record holds only its kind and its encounter's resources; records are valid collections", () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1_000_000 }), (seed) => {
          const bundle = generatePatientBundles({ seed, patients: 1 })[0];
          const records = splitBundle(bundle);
          for (const record of records) {
            expect(record.bundle.resourceType).to.equal("Bundle");
            expect(record.bundle.type).to.equal("collection");
            expect(record.bundle.entry).to.not.be.empty;
            for (const resource of resourcesOf(record.bundle)) {
              expect(recordKind(resource.resourceType)).to.equal(record.kind);
              expect(encounterOfGenerated(resource)).to.equal(record.encounter);
            }
          }
          for (const record of records.slice(0, 3)) validateFhir(record.bundle, "Bundle");
        }),
        { numRuns: 30 },
      );
    });

    it("resolves encounter references by fullUrl, relative, absolute and versioned forms; groups medications", () => {
      const base = "http://example.org/fhir";
      const subject = { reference: "Patient/p1" };
      const obs = (id: string, encounter?: object): Resource => ({ resourceType: "Observation", id, status: "final", code: { text: "t" }, subject, ...(encounter ? { encounter } : {}) }) as Resource;
      const entries: BundleEntry[] = [
        { fullUrl: `${base}/Patient/p1`, resource: { resourceType: "Patient", id: "p1" } },
        { fullUrl: "urn:uuid:8b0c2d4e-0000-4000-8000-000000000001", resource: { resourceType: "Encounter", id: "e1", status: "finished", class: { code: "AMB" } } },
        { fullUrl: `${base}/Encounter/e2`, resource: { resourceType: "Encounter", id: "e2", status: "finished", class: { code: "AMB" } } },
        { resource: obs("o1", { reference: "urn:uuid:8b0c2d4e-0000-4000-8000-000000000001" }) },
        { resource: obs("o2", { reference: "Encounter/e1" }) },
        { resource: obs("o3", { reference: `${base}/Encounter/e2/_history/3` }) },
        { resource: obs("o4", { reference: "urn:uuid:9b0c2d4e-0000-4000-8000-00000000ffff" }) },
        { resource: obs("o5", { identifier: { value: "visit-9" } }) },
        { resource: obs("o6") },
        { resource: { resourceType: "MedicationRequest", id: "m1", status: "active", intent: "order", medicationCodeableConcept: { text: "m" }, subject, encounter: { reference: "Encounter/e2" } } },
        { resource: { resourceType: "MedicationStatement", id: "m2", status: "active", medicationCodeableConcept: { text: "m" }, subject, context: { reference: `${base}/Encounter/e2` } } },
        { resource: { resourceType: "MedicationStatement", id: "m3", status: "active", medicationCodeableConcept: { text: "m" }, subject, context: { reference: "EpisodeOfCare/ep1" } } },
        { resource: { resourceType: "Condition", id: "c1", subject, encounter: { reference: "Encounter/e9" } } },
        { fullUrl: "urn:uuid:8b0c2d4e-0000-4000-8000-000000000002", resource: { resourceType: "Encounter", status: "planned", class: { code: "AMB" } } },
      ];
      const bundle: Bundle = { resourceType: "Bundle", type: "collection", entry: entries };
      validateFhir(bundle);
      const records = splitBundle(bundle);
      expect(summary(records)).to.deep.equal([
        ["Patient", null, 1],
        ["Medication", null, 1],
        ["Observation", null, 2],
        ["Encounter", "Encounter/e1", 1],
        ["Observation", "Encounter/e1", 2],
        ["Encounter", "Encounter/e2", 1],
        ["Medication", "Encounter/e2", 2],
        ["Observation", "Encounter/e2", 1],
        ["Condition", "Encounter/e9", 1],
        ["Encounter", "urn:uuid:8b0c2d4e-0000-4000-8000-000000000002", 1],
        ["Observation", "urn:uuid:9b0c2d4e-0000-4000-8000-00000000ffff", 1],
      ]);
      const ids = (record: FhirRecord) => resourcesOf(record.bundle).map((r) => r.id);
      expect(ids(records[1])).to.deep.equal(["m3"]);
      expect(ids(records[2])).to.deep.equal(["o5", "o6"]);
      expect(ids(records[4])).to.deep.equal(["o1", "o2"]);
      expect(ids(records[6])).to.deep.equal(["m1", "m2"]);
    });

    it("stores a searchset as collection records without its search transport (total, link, entry.search)", () => {
      const bundle = {
        resourceType: "Bundle",
        type: "searchset",
        total: 2,
        link: [{ relation: "self", url: "http://example.org/fhir/Patient" }],
        entry: [
          { fullUrl: "http://example.org/fhir/Patient/p1", resource: { resourceType: "Patient", id: "p1" }, search: { mode: "match" } },
          { fullUrl: "http://example.org/fhir/OperationOutcome/x", search: { mode: "outcome" } },
        ],
      } as Bundle;
      const records = splitBundle(bundle);
      expect(records).to.have.length(1);
      const record = records[0].bundle;
      expect(record.type).to.equal("collection");
      expect(record).to.not.have.property("total");
      expect(record).to.not.have.property("link");
      expect(record.entry).to.have.length(1);
      expect(record.entry?.[0]).to.not.have.property("search");
      expect(recordSourceOf(record)).to.deep.include({ type: "searchset", entries: 2 });
      validateFhir(record, "Bundle");
      const exported = exportRecords(records);
      expect(exported.exact).to.equal(false);
      expect(exported.differences.join(" ")).to.match(/searchset.*total, links and entry\.search/);
      expect(splitBundle({ resourceType: "Bundle", type: "collection" })).to.deep.equal([]);
    });
  });

  describe("exportRecords", () => {
    it("property: split → export gives back the source byte-for-byte in canonical form", () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1_000_000 }), (seed) => {
          const bundle = generatePatientBundles({ seed, patients: 1 })[0];
          const before = JSON.stringify(bundle);
          const exported = exportRecords(splitBundle(bundle));
          expect(exported.exact).to.equal(true);
          expect(exported.differences).to.deep.equal([]);
          expect(canonicalJson(exported.bundle)).to.equal(canonicalJson(bundle));
          expect(resourceMultiset(exported.bundle)).to.deep.equal(resourceMultiset(bundle));
          expect(contentMultiset(exported.bundle)).to.deep.equal(contentMultiset(bundle));
          expect(JSON.stringify(bundle)).to.equal(before); // the input is not modified
        }),
        { numRuns: 60 },
      );
    });

    it("property: the output does not depend on the order of records or of the source entries", () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer(), (seed, order) => {
          const bundle = generatePatientBundles({ seed, patients: 1 })[0];
          const rng = new Prng(order);
          const reference = canonicalJson(exportRecords(splitBundle(bundle)).bundle);
          const shuffledRecords = shuffled(splitBundle(bundle), () => rng.next());
          expect(canonicalJson(exportRecords(shuffledRecords).bundle)).to.equal(reference);
          // Entry order is part of the source: a shuffled source comes back shuffled the same way.
          const shuffledEntries: Bundle = { ...bundle, entry: shuffled(bundle.entry ?? [], () => rng.next()) };
          expect(canonicalJson(exportRecords(splitBundle(shuffledEntries)).bundle)).to.equal(canonicalJson(shuffledEntries));
        }),
        { numRuns: 40 },
      );
    });

    it("merges records of several ingests into one valid collection and says what differs", () => {
      const [one, two] = generatePatientBundles({ seed: 5, patients: 2 });
      const merged = exportRecords([...splitBundle(two), ...splitBundle(one)]);
      expect(merged.exact).to.equal(false);
      validateFhir(merged.bundle, "Bundle");
      expect(merged.bundle.type).to.equal("collection");
      expect(resourceMultiset(merged.bundle)).to.deep.equal([...resourceMultiset(one), ...resourceMultiset(two)].sort());
      expect(merged.differences[0]).to.match(/^2 sources are merged/);
      expect(merged.differences.filter((d) => /entry\.request\/response are not in the merged collection/.test(d))).to.have.length(2);
      expect(canonicalJson(exportRecords([...splitBundle(one), ...splitBundle(two)]).bundle)).to.equal(canonicalJson(merged.bundle));
    });

    it("names missing parts, exports no records as a valid Bundle without entries, and a record given twice once", () => {
      const empty = exportRecords([]);
      expect(empty.bundle).to.deep.equal({ resourceType: "Bundle", type: "collection" });
      validateFhir(empty.bundle);
      const records = splitBundle(clone(example));
      const twice = exportRecords([...records, records[0]]);
      expect(twice.exact).to.equal(true);
      expect(twice.bundle.entry).to.have.length(example.entry?.length ?? 0);
      const partial = exportRecords(records.slice(1));
      expect(partial.exact).to.equal(false);
      expect(partial.differences.join(" ")).to.include(`${records[0].bundle.entry?.length} of its ${example.entry?.length} entries are not among the records exported`);
      validateFhir(partial.bundle, "Bundle");
    });

    it("orders entries that tie on kind, encounter, type, fullUrl and id by their canonical JSON", () => {
      const record = (text: string): FhirRecord => ({ kind: "Observation", bundle: { resourceType: "Bundle", type: "collection", entry: [{ resource: { resourceType: "Observation", status: "final", code: { text } } }] } });
      const forward = exportRecords([record("b"), record("a")]).bundle;
      const backward = exportRecords([record("a"), record("b")]).bundle;
      expect(canonicalJson(forward)).to.equal(canonicalJson(backward));
      expect(forward.entry?.map((e) => (e.resource as { code: { text: string } }).code.text)).to.deep.equal(["a", "b"]);
    });
  });
});

/** The encounter key a generated resource belongs to (generated references are `urn:uuid:<id>`). */
function encounterOfGenerated(resource: Resource): string | undefined {
  if (resource.resourceType === "Encounter") return `Encounter/${resource.id}`;
  const reference = (resource as { encounter?: { reference?: string } }).encounter?.reference;
  return reference === undefined ? undefined : `Encounter/${reference.replace(/^urn:uuid:/, "")}`;
}
