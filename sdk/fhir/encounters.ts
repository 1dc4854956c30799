/**
 * Which encounter a resource belongs to, for {@link splitBundle}.
 *
 * - An Encounter belongs to itself.
 * - Patient (demographics) belongs to no encounter.
 * - Any other resource belongs to the encounter in its `encounter` element (a single Reference, as
 *   in Observation, Condition, MedicationRequest, Procedure, DiagnosticReport, Immunization, …), else
 *   in its `context` element when that is a single Reference to an Encounter (MedicationStatement,
 *   MedicationAdministration, MedicationDispense, …); else to no encounter. Identifier-only
 *   references, lists of encounters (`DocumentReference.context.encounter[]`) and EpisodeOfCare
 *   contexts count as no encounter.
 *
 * Encounter keys: an Encounter entry's key is `Encounter/<id>` (its `fullUrl` when it has no `id`).
 * A reference is resolved to that key when it equals an Encounter entry's `fullUrl` or
 * `Encounter/<id>`; otherwise a reference ending in `Encounter/<id>` (absolute, relative, with or
 * without `/_history/<v>`) gives `Encounter/<id>`, and any other reference (a `urn:uuid:` of an
 * Encounter not in the Bundle) is its own key.
 *
 * @module
 */
import type { BundleEntry, Encounter, Resource } from "@medplum/fhirtypes";
import { isPlainObject } from "./json";

/** `…Encounter/<id>[/_history/<v>]` at the end of a literal reference. */
const ENCOUNTER_REFERENCE = /(?:^|\/)Encounter\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Resolves encounter references of one Bundle to encounter keys. */
export class EncounterIndex {
  private readonly aliases = new Map<string, string>();

  /** Indexes the Encounter entries of `entries`. */
  constructor(entries: readonly BundleEntry[]) {
    for (const entry of entries) {
      const resource = entry.resource;
      if (resource?.resourceType !== "Encounter") continue;
      const key = encounterKey(entry as BundleEntry<Encounter>);
      if (key === undefined) continue;
      if (entry.fullUrl !== undefined && !this.aliases.has(entry.fullUrl)) this.aliases.set(entry.fullUrl, key);
      if (resource.id !== undefined && !this.aliases.has(key)) this.aliases.set(key, key);
    }
  }

  /** The encounter key of an entry's resource, or `undefined` for the no-encounter group. */
  encounterOf(entry: BundleEntry): string | undefined {
    const resource = entry.resource;
    if (!resource || resource.resourceType === "Patient") return undefined;
    if (resource.resourceType === "Encounter") return encounterKey(entry as BundleEntry<Encounter>);
    const fields = resource as Resource & { encounter?: unknown; context?: unknown };
    const direct = literalReference(fields.encounter);
    if (direct !== undefined) return this.resolve(direct);
    const context = literalReference(fields.context);
    if (context !== undefined && (this.aliases.has(context) || ENCOUNTER_REFERENCE.test(context))) return this.resolve(context);
    return undefined;
  }

  private resolve(reference: string): string {
    const alias = this.aliases.get(reference);
    if (alias !== undefined) return alias;
    const match = ENCOUNTER_REFERENCE.exec(reference);
    return match ? `Encounter/${match[1]}` : reference;
  }
}

/** `Encounter/<id>`, else the entry's `fullUrl`, else `undefined`. */
function encounterKey(entry: BundleEntry<Encounter>): string | undefined {
  const id = entry.resource?.id;
  return id !== undefined ? `Encounter/${id}` : entry.fullUrl;
}

/** `reference` of a single Reference object, when it has a non-empty one. */
function literalReference(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const reference = value.reference;
  return typeof reference === "string" && reference !== "" ? reference : undefined;
}
