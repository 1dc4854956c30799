/**
 * `RecordGrouping`: which record group — encounter, or period — each resource of a Bundle belongs
 * to, so that a consent on one record opens one visit's data, never every note of every visit.
 *
 * The rule, for one resource:
 * 1. Patient (demographics) is its own group: no encounter, no period.
 * 2. An Encounter belongs to itself (`Encounter/<id>`).
 * 3. A resource that names its encounter belongs to it (`encounters.ts`): `encounter`
 *    (Observation, Condition, Procedure, Immunization, ImagingStudy, Media, CarePlan, CareTeam, …),
 *    `context` (MedicationAdministration, MedicationDispense, MedicationStatement, ChargeItem),
 *    `DocumentReference.context.encounter[]`, `Claim.item[].encounter[]`,
 *    `ExplanationOfBenefit.item[].encounter[]` — a list counts when all of it gives one encounter.
 * 4. Otherwise it belongs to the encounter of the resources it is part of, when they all agree
 *    (every one of them that is in the Bundle gives the same encounter; references to resources not
 *    in the Bundle are not counted; a linked resource of no encounter disagrees):
 *    - ExplanationOfBenefit → its `claim` (the Claim's encounter);
 *    - DiagnosticReport → `basedOn[]`;
 *    - Observation → `basedOn[]`, `partOf[]`, `hasMember[]`, `derivedFrom[]`, and every
 *      DiagnosticReport listing it in `result[]`;
 *    - Provenance → `target[]`.
 *    Chains are followed (EOB → Claim → Encounter; Observation → DiagnosticReport → ServiceRequest
 *    → Encounter) with a cycle guard: a resource met again on the chain, and a branch that only
 *    leads back into the chain, are not counted.
 * 5. What still belongs to no encounter is grouped by period: the calendar year of its clinical date
 *    (`clinical-date.ts`: effective[x], occurrence[x], performed[x], onset[x], authoredOn, issued,
 *    recordedDate, recorded, date, sent, billablePeriod.start, period.start, created, …), or
 *    `undated` — a Condition of 2019 without an encounter is in the record "Condition, 2019".
 *
 * References resolve against the Bundle's entries ({@link EntryIndex}: `fullUrl`, `Type/id`,
 * conditional `Type?identifier=system|value` matching exactly one entry). The result depends on the
 * Bundle's content only, not on the order of its entries.
 *
 * @module
 */
import type { BundleEntry, Resource } from "@medplum/fhirtypes";
import { clinicalPeriod } from "./clinical-date";
import { EncounterIndex } from "./encounters";
import { EntryIndex, referencesAt } from "./references";

/** The group of a resource: an encounter key, or (for no encounter, except Patient) a period. */
export interface RecordGroup {
  /** The encounter key (see `encounters.ts`); absent when the resource belongs to no encounter. */
  readonly encounter?: string;
  /** `"2019"` or `"undated"`: set only on resources of no encounter other than Patient. */
  readonly period?: string;
}

/** The references a resource type is part of, as paths to Reference elements (rule 4). */
const PART_OF: Readonly<Record<string, readonly (readonly string[])[]>> = {
  ExplanationOfBenefit: [["claim"]],
  DiagnosticReport: [["basedOn"]],
  Observation: [["basedOn"], ["partOf"], ["hasMember"], ["derivedFrom"]],
  Provenance: [["target"]],
};

/** No encounter: the resource names none and what it is part of names none or disagrees. */
const NONE = null;
/** Nothing known: every link led back into the chain (a cycle); not counted by the resource above. */
const UNKNOWN = undefined;

/** An encounter key, {@link NONE} or {@link UNKNOWN}. */
type Verdict = string | typeof NONE | typeof UNKNOWN;

/** What following the links of one resource found. */
interface Found {
  readonly verdict: Verdict;
  /** True when a cycle was cut below: the verdict holds for this chain only and is not cached. */
  readonly cut: boolean;
}

/** The groups of the resources of one Bundle; see the module rule. */
export class RecordGrouping {
  private readonly encounters: EncounterIndex;
  private readonly entryIndex: EntryIndex;
  /** DiagnosticReports by the Observations they list in `result[]`. */
  private readonly reports = new Map<BundleEntry, BundleEntry[]>();
  private readonly cache = new Map<BundleEntry, string | typeof NONE>();

  /** Indexes `entries`, the entries of one Bundle (those without a resource are ignored). */
  constructor(entries: readonly BundleEntry[]) {
    this.entryIndex = new EntryIndex(entries);
    this.encounters = new EncounterIndex(entries, this.entryIndex);
    for (const entry of entries) {
      if (entry.resource?.resourceType !== "DiagnosticReport") continue;
      for (const reference of referencesAt(entry.resource, "result")) {
        const target = this.entryIndex.resolve(reference);
        if (target?.resource?.resourceType !== "Observation" || target === entry) continue;
        const list = this.reports.get(target);
        if (list) list.push(entry);
        else this.reports.set(target, [entry]);
      }
    }
  }

  /** The group of `entry` (an entry of the Bundle, compared by identity for rule 4). */
  groupOf(entry: BundleEntry): RecordGroup {
    const resource = entry.resource;
    if (!resource || resource.resourceType === "Patient") return {};
    const encounter = this.find(entry, new Set()).verdict;
    return typeof encounter === "string" ? { encounter } : { period: clinicalPeriod(resource) };
  }

  private find(entry: BundleEntry, chain: Set<BundleEntry>): Found {
    const cached = this.cache.get(entry);
    if (cached !== undefined) return { verdict: cached, cut: false };
    const own = this.encounters.encounterOf(entry);
    if (own !== undefined || entry.resource?.resourceType === "Patient") {
      this.cache.set(entry, own ?? NONE);
      return { verdict: own ?? NONE, cut: false };
    }
    chain.add(entry);
    let cut = false;
    const verdicts = new Set<string | typeof NONE>();
    for (const linked of this.linksOf(entry)) {
      const found: Found = chain.has(linked) ? { verdict: UNKNOWN, cut: true } : this.find(linked, chain);
      cut ||= found.cut;
      if (found.verdict !== UNKNOWN) verdicts.add(found.verdict);
    }
    chain.delete(entry);
    const verdict: Verdict = verdicts.size === 1 ? [...verdicts][0] : verdicts.size > 1 ? NONE : cut ? UNKNOWN : NONE;
    if (!cut && verdict !== UNKNOWN) this.cache.set(entry, verdict);
    return { verdict, cut };
  }

  /** The entries of the Bundle that `entry`'s resource is part of (rule 4), without duplicates. */
  private linksOf(entry: BundleEntry): BundleEntry[] {
    const resource = entry.resource as Resource;
    const links = new Set<BundleEntry>();
    for (const path of PART_OF[resource.resourceType] ?? []) {
      for (const reference of referencesAt(resource, ...path)) {
        const target = this.entryIndex.resolve(reference);
        if (target && target !== entry) links.add(target);
      }
    }
    for (const report of this.reports.get(entry) ?? []) links.add(report);
    return [...links];
  }
}
