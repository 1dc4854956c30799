import { expect } from "chai";
import fc from "fast-check";
import type { Bundle, BundleEntry, Resource } from "@medplum/fhirtypes";
import { RecordGrouping, splitBundle, validateFhir, type FhirRecord } from "../../../sdk/fhir";
import { Prng } from "../../fixtures/prng";
import { shuffled } from "./helpers";

const PATIENT = "urn:uuid:00000000-0000-4000-8000-000000000000";
const subject = { reference: PATIENT };
const E1 = "urn:uuid:00000000-0000-4000-8000-0000000000e1";
const E2 = "urn:uuid:00000000-0000-4000-8000-0000000000e2";
const ref = (reference: string) => ({ reference });

function encounter(fullUrl: string, id: string, identifier?: { system: string; value: string }): BundleEntry {
  return { fullUrl, resource: { resourceType: "Encounter", id, status: "finished", class: { code: "AMB" }, subject, ...(identifier ? { identifier: [identifier] } : {}) } };
}

/** A collection Bundle of a Patient, Encounters e1 and e2, and `entries` (resources get `urn:uuid:<id>` fullUrls). */
function bundleOf(...resources: Resource[]): Bundle {
  return {
    resourceType: "Bundle",
    type: "collection",
    entry: [
      { fullUrl: PATIENT, resource: { resourceType: "Patient", id: "p" } },
      encounter(E1, "e1", { system: "urn:visits", value: "v1" }),
      encounter(E2, "e2", { system: "urn:visits", value: "v2" }),
      ...resources.map((resource) => ({ fullUrl: `urn:uuid:${resource.id}`, resource })),
    ],
  };
}

/** The record holding the resource with `id`. */
function recordOf(records: FhirRecord[], id: string): FhirRecord {
  const found = records.filter((r) => (r.bundle.entry ?? []).some((e) => e.resource?.id === id));
  expect(found, id).to.have.length(1);
  return found[0];
}

/** `[kind, encounter or period]` of the record holding `id`, after validating and splitting. */
function placeOf(bundle: Bundle, id: string): [string, string | undefined] {
  validateFhir(bundle);
  const record = recordOf(splitBundle(bundle), id);
  return [record.kind, record.encounter ?? record.period];
}

const obs = (id: string, extra: object = {}): Resource => ({ resourceType: "Observation", id, status: "final", code: { text: "c" }, subject, ...extra }) as Resource;
const claim = (id: string, encounters: string[][], extra: object = {}): Resource =>
  ({
    resourceType: "Claim", id, status: "active", type: { text: "t" }, use: "claim", patient: subject, created: "2018-05-01", provider: { display: "p" }, priority: { text: "normal" },
    insurance: [{ sequence: 1, focal: true, coverage: { display: "c" } }],
    item: encounters.map((list, i) => ({ sequence: i + 1, productOrService: { text: "s" }, encounter: list.map(ref) })),
    ...extra,
  }) as Resource;
const eob = (id: string, extra: object): Resource =>
  ({
    resourceType: "ExplanationOfBenefit", id, status: "active", type: { text: "t" }, use: "claim", patient: subject, created: "2018-05-02", insurer: { display: "i" }, provider: { display: "p" }, outcome: "complete",
    insurance: [{ focal: true, coverage: { display: "c" } }],
    ...extra,
  }) as Resource;
const note = (id: string, encounters: string[], extra: object = {}): Resource =>
  ({ resourceType: "DocumentReference", id, status: "current", subject, date: "2017-03-04T10:00:00Z", content: [{ attachment: { contentType: "text/plain", data: "aGVsbG8=" } }], context: { encounter: encounters.map(ref) }, ...extra }) as Resource;

describe("sdk/fhir RecordGrouping", function () {
  this.timeout(60_000);

  describe("follows the references FHIR gives", () => {
    it("DocumentReference.context.encounter: one encounter, the same one twice, or two different ones", () => {
      expect(placeOf(bundleOf(note("d1", [E1])), "d1")).to.deep.equal(["DocumentReference", "Encounter/e1"]);
      expect(placeOf(bundleOf(note("d2", [E1, "Encounter/e1"])), "d2")).to.deep.equal(["DocumentReference", "Encounter/e1"]);
      expect(placeOf(bundleOf(note("d3", [E1, E2])), "d3")).to.deep.equal(["DocumentReference", "2017"]);
    });

    it("Claim.item.encounter, across items", () => {
      expect(placeOf(bundleOf(claim("c1", [[E2]])), "c1")).to.deep.equal(["Claim", "Encounter/e2"]);
      expect(placeOf(bundleOf(claim("c2", [[E2], [E2]])), "c2")).to.deep.equal(["Claim", "Encounter/e2"]);
      expect(placeOf(bundleOf(claim("c3", [[E1], [E2]], { billablePeriod: { start: "2016-02-01" } })), "c3")).to.deep.equal(["Claim", "2016"]);
    });

    it("ExplanationOfBenefit via its claim (EOB → Claim → Encounter) or its item.encounter", () => {
      expect(placeOf(bundleOf(claim("c1", [[E1]]), eob("x1", { claim: ref("urn:uuid:c1") })), "x1")).to.deep.equal(["ExplanationOfBenefit", "Encounter/e1"]);
      expect(placeOf(bundleOf(claim("c1", [[E1]]), eob("x2", { claim: ref("Claim/c1") })), "x2")).to.deep.equal(["ExplanationOfBenefit", "Encounter/e1"]);
      expect(placeOf(bundleOf(eob("x3", { item: [{ sequence: 1, productOrService: { text: "s" }, encounter: [ref(E2)] }] })), "x3")).to.deep.equal(["ExplanationOfBenefit", "Encounter/e2"]);
      expect(placeOf(bundleOf(eob("x4", { claim: ref("Claim/elsewhere") })), "x4")).to.deep.equal(["ExplanationOfBenefit", "2018"]);
    });

    it("conditional references Type?identifier=system|value name the one entry they match", () => {
      expect(placeOf(bundleOf(claim("c1", [["Encounter?identifier=urn:visits|v2"]])), "c1")).to.deep.equal(["Claim", "Encounter/e2"]);
      expect(placeOf(bundleOf(claim("c1", [["Encounter?identifier=urn%3Avisits%7Cv2"]])), "c1")).to.deep.equal(["Claim", "Encounter/e2"]);
      expect(placeOf(bundleOf(obs("o1", { encounter: ref("Encounter?identifier=v1") })), "o1")).to.deep.equal(["Observation", "Encounter/e1"]);
      expect(placeOf(bundleOf(claim("c1", [[E1]], { identifier: [{ system: "urn:claims", value: "k" }] }), eob("x1", { claim: ref("Claim?identifier=urn:claims|k") })), "x1")).to.deep.equal(["ExplanationOfBenefit", "Encounter/e1"]);
      // No system given where the entry has one, a wrong system, or two matches: unresolved.
      expect(placeOf(bundleOf(obs("o2", { encounter: ref("Encounter?identifier=|v1") })), "o2")).to.deep.equal(["Observation", "Encounter?identifier=|v1"]);
      const twin = bundleOf(claim("c1", [[E1]], { identifier: [{ value: "k" }] }), claim("c2", [[E2]], { identifier: [{ value: "k" }] }), eob("x1", { claim: ref("Claim?identifier=k") }));
      expect(placeOf(twin, "x1")).to.deep.equal(["ExplanationOfBenefit", "2018"]);
    });

    it("DiagnosticReport via basedOn; Observation via basedOn, partOf, hasMember, derivedFrom", () => {
      const order = { resourceType: "ServiceRequest", id: "s1", status: "active", intent: "order", subject, encounter: ref(E1) } as Resource;
      const procedure = { resourceType: "Procedure", id: "pr1", status: "completed", subject, encounter: ref(E2) } as Resource;
      const report = { resourceType: "DiagnosticReport", id: "r1", status: "final", code: { text: "r" }, subject, basedOn: [ref("urn:uuid:s1")] } as Resource;
      const bundle = bundleOf(
        order,
        procedure,
        report,
        obs("o1", { basedOn: [ref("ServiceRequest/s1")] }),
        obs("o2", { partOf: [ref("urn:uuid:pr1")] }),
        obs("m1", { encounter: ref(E2) }),
        obs("o3", { hasMember: [ref("urn:uuid:m1")] }),
        obs("o4", { derivedFrom: [ref("urn:uuid:o1")] }),
        obs("o5", { derivedFrom: [ref("urn:uuid:o1"), ref("urn:uuid:o2")], effectiveDateTime: "2021-06-01T08:00:00+02:00" }),
      );
      expect(placeOf(bundle, "r1")).to.deep.equal(["DiagnosticReport", "Encounter/e1"]);
      expect(placeOf(bundle, "o1")).to.deep.equal(["Observation", "Encounter/e1"]);
      expect(placeOf(bundle, "o2")).to.deep.equal(["Observation", "Encounter/e2"]);
      expect(placeOf(bundle, "o3")).to.deep.equal(["Observation", "Encounter/e2"]);
      expect(placeOf(bundle, "o4")).to.deep.equal(["Observation", "Encounter/e1"]); // o4 → o1 → s1 → e1
      expect(placeOf(bundle, "o5")).to.deep.equal(["Observation", "2021"]); // its sources disagree
    });

    it("an Observation in a DiagnosticReport's result goes where the report is, unless it has an encounter", () => {
      const report = { resourceType: "DiagnosticReport", id: "r1", status: "final", code: { text: "r" }, subject, encounter: ref(E2), result: [ref("urn:uuid:o1"), ref("Observation/o2")] } as Resource;
      const bundle = bundleOf(report, obs("o1"), obs("o2", { encounter: ref(E1) }), obs("o3"));
      expect(placeOf(bundle, "o1")).to.deep.equal(["Observation", "Encounter/e2"]);
      expect(placeOf(bundle, "o2")).to.deep.equal(["Observation", "Encounter/e1"]);
      expect(placeOf(bundle, "o3")).to.deep.equal(["Observation", "undated"]);
    });

    it("Provenance.target when its targets agree", () => {
      const provenance = (id: string, targets: string[]) => ({ resourceType: "Provenance", id, target: targets.map(ref), recorded: "2015-01-01T00:00:00Z", agent: [{ who: { display: "a" } }] }) as Resource;
      const bundle = bundleOf(obs("o1", { encounter: ref(E1) }), note("d1", [E1]), obs("o2", { encounter: ref(E2) }), provenance("v1", ["urn:uuid:o1", "DocumentReference/d1"]), provenance("v2", ["urn:uuid:o1", "urn:uuid:o2"]), provenance("v3", [PATIENT, "urn:uuid:o1"]));
      expect(placeOf(bundle, "v1")).to.deep.equal(["Provenance", "Encounter/e1"]);
      expect(placeOf(bundle, "v2")).to.deep.equal(["Provenance", "2015"]);
      expect(placeOf(bundle, "v3")).to.deep.equal(["Provenance", "2015"]);
    });

    it("the encounter element of Immunization, ImagingStudy, CareTeam, CarePlan, Media, Procedure; MedicationAdministration.context", () => {
      const resources: Resource[] = [
        { resourceType: "Immunization", id: "i1", status: "completed", vaccineCode: { text: "v" }, patient: subject, occurrenceDateTime: "2019-01-01", encounter: ref(E1) },
        { resourceType: "ImagingStudy", id: "is1", status: "available", subject, encounter: ref(E1) },
        { resourceType: "CareTeam", id: "ct1", subject, encounter: ref(E1) },
        { resourceType: "CarePlan", id: "cp1", status: "active", intent: "plan", subject, encounter: ref(E1) },
        { resourceType: "Media", id: "me1", status: "completed", content: { contentType: "image/png" }, subject, encounter: ref(E1) },
        { resourceType: "Procedure", id: "pr1", status: "completed", subject, encounter: ref(E1) },
        { resourceType: "MedicationAdministration", id: "ma1", status: "completed", medicationCodeableConcept: { text: "m" }, subject, effectiveDateTime: "2019-01-01", context: ref(E1) },
      ];
      const bundle = bundleOf(...resources);
      for (const resource of resources) expect(placeOf(bundle, resource.id as string)[1], resource.resourceType).to.equal("Encounter/e1");
      expect(placeOf(bundle, "ma1")[0]).to.equal("Medication");
    });

    it("follows chains with a cycle guard, whatever the entry order", () => {
      const resources = [obs("a", { derivedFrom: [ref("urn:uuid:b")] }), obs("b", { derivedFrom: [ref("urn:uuid:a")], hasMember: [ref("urn:uuid:c")] }), obs("c", { encounter: ref(E2) }), obs("d", { derivedFrom: [ref("urn:uuid:d")] })];
      for (let seed = 0; seed < 10; seed++) {
        const bundle = bundleOf(...shuffled(resources, () => new Prng(seed).next()));
        expect(placeOf(bundle, "a")).to.deep.equal(["Observation", "Encounter/e2"]);
        expect(placeOf(bundle, "b")).to.deep.equal(["Observation", "Encounter/e2"]);
        expect(placeOf(bundle, "d")).to.deep.equal(["Observation", "undated"]);
      }
    });
  });

  describe("no encounter: by category and period", () => {
    it("a Condition without encounter is in 'Condition, 2019'; the Patient has no period; undated resources are 'undated'", () => {
      const condition = (id: string, extra: object) => ({ resourceType: "Condition", id, subject, code: { text: "c" }, ...extra }) as Resource;
      const bundle = bundleOf(
        condition("c1", { onsetDateTime: "2019-04-01" }),
        condition("c2", { recordedDate: "2019-12-31T23:30:00-05:00" }),
        condition("c3", { onsetPeriod: { start: "2020-01-01" } }),
        condition("c4", { onsetString: "childhood" }),
        condition("c5", { encounter: ref(E1), onsetDateTime: "2019-04-01" }),
        { resourceType: "Organization", id: "org", name: "o" } as Resource,
      );
      validateFhir(bundle);
      const records = splitBundle(bundle);
      const shape = records.map((r) => [r.kind, r.encounter ?? null, r.period ?? null, (r.bundle.entry ?? []).map((e) => e.resource?.id).join(",")]);
      expect(shape).to.deep.equal([
        ["Patient", null, null, "p"],
        ["Condition", null, "2019", "c1,c2"],
        ["Condition", null, "2020", "c3"],
        ["Condition", null, "undated", "c4"],
        ["Organization", null, "undated", "org"],
        ["Encounter", "Encounter/e1", null, "e1"],
        ["Condition", "Encounter/e1", null, "c5"],
        ["Encounter", "Encounter/e2", null, "e2"],
      ]);
      const grouping = new RecordGrouping(bundle.entry ?? []);
      expect(grouping.groupOf((bundle.entry ?? [])[0])).to.deep.equal({});
      expect(grouping.groupOf((bundle.entry ?? [])[1])).to.deep.equal({ encounter: "Encounter/e1" });
    });

    it("32 encounters with a note, a claim and an EOB each give 32 note, 32 claim and 32 EOB records", () => {
      const resources: Resource[] = [];
      const entries: BundleEntry[] = [];
      for (let i = 0; i < 32; i++) {
        const enc = `urn:uuid:00000000-0000-4000-9000-${String(i).padStart(12, "0")}`;
        entries.push(encounter(enc, `enc${i}`));
        resources.push(note(`note${i}`, [enc]), claim(`claim${i}`, [[enc], [enc]]), eob(`eob${i}`, { claim: ref(`urn:uuid:claim${i}`) }));
      }
      const bundle = bundleOf(...resources);
      bundle.entry?.push(...entries);
      validateFhir(bundle);
      const records = splitBundle(bundle);
      for (const kind of ["DocumentReference", "Claim", "ExplanationOfBenefit"]) {
        const ofKind = records.filter((r) => r.kind === kind);
        expect(ofKind, kind).to.have.length(32);
        expect(ofKind.every((r) => r.encounter !== undefined && r.bundle.entry?.length === 1)).to.equal(true);
      }
      for (let i = 0; i < 32; i++) {
        expect(recordOf(records, `note${i}`).encounter).to.equal(`Encounter/enc${i}`);
        expect(recordOf(records, `eob${i}`).encounter).to.equal(`Encounter/enc${i}`);
      }
    });
  });

  describe("properties", () => {
    const TYPES = ["Observation", "DiagnosticReport", "Claim", "ExplanationOfBenefit", "Provenance", "DocumentReference", "Condition", "MedicationAdministration"] as const;
    type Spec = { type: (typeof TYPES)[number]; direct: number | null; links: number[]; year: number | null };
    const spec = fc.record({ type: fc.constantFrom(...TYPES), direct: fc.option(fc.nat(3)), links: fc.array(fc.nat(11), { maxLength: 3 }), year: fc.option(fc.integer({ min: 2010, max: 2025 })) });

    /** Builds resource `i` of `specs` with its own encounter (one of `encounters`) and links to other resources. */
    function build(specs: Spec[], encounters: string[]): { resources: Resource[]; direct: Map<string, string>; links: Map<string, string[]> } {
      const id = (i: number) => `r${i % specs.length}`;
      const direct = new Map<string, string>();
      const links = new Map<string, string[]>();
      const addLink = (from: string, to: string) => links.set(from, [...(links.get(from) ?? []), to]);
      const resources = specs.map((s, i): Resource => {
        const own = s.direct === null ? undefined : encounters[s.direct % encounters.length];
        if (own && s.type !== "Provenance") direct.set(id(i), `Encounter/${own.slice(-4)}`); // Provenance has no encounter element
        const targets = s.links.map((l) => `urn:uuid:${id(l)}`);
        const date = s.year === null ? undefined : `${s.year}-06-01`;
        switch (s.type) {
          case "Observation":
            targets.forEach((t) => addLink(id(i), t.slice(9)));
            return obs(id(i), { ...(own ? { encounter: ref(own) } : {}), derivedFrom: targets.length ? targets.map(ref) : undefined, effectiveDateTime: date });
          case "DiagnosticReport":
            // result[] makes the listed Observations part of this report.
            targets.forEach((t) => addLink(t.slice(9), id(i)));
            return { resourceType: "DiagnosticReport", id: id(i), status: "final", code: { text: "r" }, subject, ...(own ? { encounter: ref(own) } : {}), ...(targets.length ? { result: targets.map(ref) } : {}), ...(date ? { issued: `${date}T00:00:00Z` } : {}) } as Resource;
          case "Claim":
            return claim(id(i), own ? [[own]] : [], date ? { created: date } : {});
          case "ExplanationOfBenefit":
            targets.slice(0, 1).forEach((t) => addLink(id(i), t.slice(9)));
            return eob(id(i), { ...(targets.length ? { claim: ref(targets[0]) } : {}), ...(own ? { item: [{ sequence: 1, productOrService: { text: "s" }, encounter: [ref(own)] }] } : {}) });
          case "Provenance":
            targets.forEach((t) => addLink(id(i), t.slice(9)));
            return { resourceType: "Provenance", id: id(i), target: targets.length ? targets.map(ref) : [ref(PATIENT)], recorded: `${s.year ?? 2000}-01-01T00:00:00Z`, agent: [{ who: { display: "a" } }] } as Resource;
          case "DocumentReference":
            return note(id(i), own ? [own] : [], date ? { date: `${date}T00:00:00Z` } : {});
          case "Condition":
            return { resourceType: "Condition", id: id(i), subject, code: { text: "c" }, ...(own ? { encounter: ref(own) } : {}), ...(date ? { onsetDateTime: date } : {}) } as Resource;
          case "MedicationAdministration":
            return { resourceType: "MedicationAdministration", id: id(i), status: "completed", medicationCodeableConcept: { text: "m" }, subject, effectiveDateTime: date ?? "2000-01-01", ...(own ? { context: ref(own) } : {}) } as Resource;
        }
      });
      return { resources, direct, links };
    }

    it("every resource lands in exactly one record, never in a record of an encounter its chain does not name, whatever the entry order", () => {
      const encounters = ["e001", "e002", "e003"].map((e) => `urn:uuid:00000000-0000-4000-8000-00000000${e}`);
      fc.assert(
        fc.property(fc.array(spec, { minLength: 1, maxLength: 12 }), fc.integer(), (specs, order) => {
          const { resources, direct, links } = build(specs, encounters);
          const bundle: Bundle = JSON.parse(JSON.stringify({
            resourceType: "Bundle",
            type: "collection",
            entry: [{ fullUrl: PATIENT, resource: { resourceType: "Patient", id: "p" } }, ...encounters.map((e) => encounter(e, e.slice(-4))), ...resources.map((r) => ({ fullUrl: `urn:uuid:${r.id}`, resource: r }))],
          })) as Bundle;
          validateFhir(bundle);
          const records = splitBundle(bundle);
          const total = records.reduce((n, r) => n + (r.bundle.entry?.length ?? 0), 0);
          expect(total).to.equal(bundle.entry?.length);
          /** The encounters the chain of `id` names: its own, else those of what it is part of, recursively. */
          const named = (id: string, seen = new Set<string>()): Set<string> => {
            const own = direct.get(id);
            if (own) return new Set([own]);
            seen.add(id);
            const out = new Set<string>();
            for (const next of links.get(id) ?? []) if (!seen.has(next)) for (const e of named(next, seen)) out.add(e);
            seen.delete(id);
            return out;
          };
          for (const resource of resourcesOfBundle(bundle)) {
            const record = recordOf(records, resource.id as string);
            if (record.encounter === undefined) {
              expect(direct.has(resource.id as string)).to.equal(false);
              expect(record.period).to.match(/^(\d{4}|undated)$/);
            } else {
              expect(named(resource.id as string).has(record.encounter), `${resource.id} in ${record.encounter}`).to.equal(true);
              expect(record).to.not.have.property("period");
            }
          }
          const rng = new Prng(order);
          const reordered = splitBundle({ ...bundle, entry: shuffled(bundle.entry ?? [], () => rng.next()) });
          const key = (r: FhirRecord) => JSON.stringify([r.kind, r.encounter, r.period, (r.bundle.entry ?? []).map((e) => e.resource?.id).sort()]);
          expect(reordered.map(key)).to.deep.equal(records.map(key));
        }),
        { numRuns: 300 },
      );
    });
  });
});

function resourcesOfBundle(bundle: Bundle): Resource[] {
  return (bundle.entry ?? []).flatMap((e) => (e.resource && e.resource.resourceType !== "Patient" && e.resource.resourceType !== "Encounter" ? [e.resource] : []));
}
