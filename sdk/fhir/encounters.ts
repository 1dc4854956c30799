/**
 * Which encounter a resource names itself, for `RecordGrouping` (`grouping.ts`).
 *
 * - An Encounter belongs to itself.
 * - Patient (demographics) belongs to no encounter.
 * - Any other resource belongs to the encounter its own elements name (R4 element names):
 *   - `encounter`, a single Reference (Observation, Condition, Procedure, DiagnosticReport,
 *     Immunization, ImagingStudy, Media, CarePlan, CareTeam, Composition, MedicationRequest,
 *     ServiceRequest, AllergyIntolerance, QuestionnaireResponse, …);
 *   - else `context`, when it is a single Reference to an Encounter (MedicationAdministration,
 *     MedicationDispense, MedicationStatement, ChargeItem; an EpisodeOfCare context is no encounter);
 *   - else the list `DocumentReference.context.encounter[]`, or the lists
 *     `Claim.item[].encounter[]` / `ExplanationOfBenefit.item[].encounter[]`, when all of their
 *     references give the same encounter key;
 *   - else no encounter of its own (see `grouping.ts` for the references followed then).
 *   Identifier-only references count as none.
 *
 * Encounter keys: an Encounter entry's key is `Encounter/<id>` (its `fullUrl` when it has no `id`).
 * A reference that resolves to an Encounter entry of the Bundle ({@link EntryIndex}: by `fullUrl`,
 * `Encounter/<id>` in any form, or a conditional `Encounter?identifier=…` matching exactly one)
 * gives that entry's key; otherwise a reference ending in `Encounter/<id>` (absolute, relative, with
 * or without `/_history/<v>`) gives `Encounter/<id>`, and any other reference to an Encounter (a
 * `urn:uuid:` of an Encounter not in the Bundle, a conditional reference that matches no entry) is
 * its own key.
 *
 * @module
 */
import type { BundleEntry, Encounter } from "@medplum/fhirtypes";
import { EntryIndex, referencesAt } from "./references";

/** `…Encounter/<id>[/_history/<v>]` at the end of a literal reference. */
const ENCOUNTER_REFERENCE = /(?:^|\/)Encounter\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** A conditional reference to an Encounter. */
const CONDITIONAL_ENCOUNTER = /^Encounter\?/;

/** Resource types whose `item[].encounter[]` lists the encounters they bill. */
const ITEM_ENCOUNTERS: ReadonlySet<string> = new Set(["Claim", "ExplanationOfBenefit"]);

/** Resolves encounter references of one Bundle to encounter keys. */
export class EncounterIndex {
  /** The entries of the Bundle by every name a reference may give them. */
  readonly entries: EntryIndex;

  /** Indexes `entries` (or uses `index`, built from the same entries). */
  constructor(entries: readonly BundleEntry[], index: EntryIndex = new EntryIndex(entries)) {
    this.entries = index;
  }

  /**
   * The encounter key an entry's resource names itself (see the module rule), or `undefined`.
   */
  encounterOf(entry: BundleEntry): string | undefined {
    const resource = entry.resource;
    if (!resource || resource.resourceType === "Patient") return undefined;
    if (resource.resourceType === "Encounter") return encounterKey(entry as BundleEntry<Encounter>);
    const own = referencesAt(resource, "encounter");
    if (own.length === 1) return this.keyOf(own[0]);
    const context = referencesAt(resource, "context");
    if (context.length === 1 && this.isEncounterReference(context[0])) return this.keyOf(context[0]);
    if (resource.resourceType === "DocumentReference") return this.commonKey(referencesAt(resource, "context", "encounter"));
    if (ITEM_ENCOUNTERS.has(resource.resourceType)) return this.commonKey(referencesAt(resource, "item", "encounter"));
    return undefined;
  }

  /** The encounter key of a reference to an Encounter (see the module notes). */
  keyOf(reference: string): string {
    const target = this.entries.resolve(reference);
    if (target?.resource?.resourceType === "Encounter") {
      const key = encounterKey(target as BundleEntry<Encounter>);
      if (key !== undefined) return key;
    }
    const match = ENCOUNTER_REFERENCE.exec(reference);
    return match ? `Encounter/${match[1]}` : reference;
  }

  /** True when `reference` points at an Encounter: an Encounter entry, `…Encounter/<id>` or `Encounter?…`. */
  isEncounterReference(reference: string): boolean {
    const target = this.entries.resolve(reference);
    if (target) return target.resource?.resourceType === "Encounter";
    return ENCOUNTER_REFERENCE.test(reference) || CONDITIONAL_ENCOUNTER.test(reference);
  }

  /** The one key all `references` (to Encounters) give, or `undefined` (none, or more than one). */
  private commonKey(references: readonly string[]): string | undefined {
    const keys = new Set(references.filter((r) => this.isEncounterReference(r)).map((r) => this.keyOf(r)));
    return keys.size === 1 ? [...keys][0] : undefined;
  }
}

/** `Encounter/<id>`, else the entry's `fullUrl`, else `undefined`. */
export function encounterKey(entry: BundleEntry<Encounter>): string | undefined {
  const id = entry.resource?.id;
  return id !== undefined ? `Encounter/${id}` : entry.fullUrl;
}

