/**
 * Resolving the references of one Bundle to its entries, as FHIR resolves them inside a Bundle
 * (https://hl7.org/fhir/R4/bundle.html#references): by `fullUrl`, by `Type/id` (relative, absolute
 * or versioned), and — for a transaction's conditional references — by identifier.
 *
 * @module
 */
import type { BundleEntry, Identifier } from "@medplum/fhirtypes";
import { isPlainObject } from "./json";

/** `…Type/id[/_history/v]` at the end of a literal reference. */
const TYPE_ID_REFERENCE = /(?:^|\/)([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** `Type?identifier=…` (the only search parameter a conditional reference is resolved by here). */
const CONDITIONAL_REFERENCE = /^([A-Z][A-Za-z]{1,63})\?identifier=([^&]*)$/;

/** A marker for a name that more than one entry answers to: such a reference resolves to nothing. */
const AMBIGUOUS = null;

/**
 * The entries of one Bundle by every name a reference may give them. A reference resolves to an
 * entry when it names exactly one:
 * - its `fullUrl` (`urn:uuid:…`, `http://server/fhir/Patient/1`), exactly;
 * - else `Type/id` — the resource's type and id —, from a relative, absolute or versioned reference
 *   (`Patient/1`, `http://other/fhir/Patient/1`, `Patient/1/_history/2`);
 * - a conditional reference `Type?identifier=system|value` (or `=value`: any system; `=|value`: no
 *   system), percent-decoded, names the entries of that type with such an `identifier`; exactly one
 *   match names that entry. Other search parameters are not resolved.
 * A name shared by two entries (the same `Type/id` twice, a conditional reference matching two)
 * resolves to nothing.
 */
export class EntryIndex {
  private readonly byName = new Map<string, BundleEntry | typeof AMBIGUOUS>();
  private readonly byType = new Map<string, BundleEntry[]>();

  /** Indexes `entries` (entries without a resource are skipped). */
  constructor(entries: readonly BundleEntry[]) {
    for (const entry of entries) {
      const resource = entry.resource;
      if (!resource) continue;
      if (entry.fullUrl !== undefined) this.name(entry.fullUrl, entry);
      if (typeof resource.id === "string") this.name(`${resource.resourceType}/${resource.id}`, entry);
      const sameType = this.byType.get(resource.resourceType);
      if (sameType) sameType.push(entry);
      else this.byType.set(resource.resourceType, [entry]);
    }
  }

  /** The one entry `reference` names in this Bundle, or `undefined`. */
  resolve(reference: string): BundleEntry | undefined {
    const exact = this.byName.get(reference);
    if (exact !== undefined) return exact ?? undefined;
    const conditional = CONDITIONAL_REFERENCE.exec(reference);
    if (conditional) return this.byIdentifier(conditional[1], conditional[2]);
    const typed = TYPE_ID_REFERENCE.exec(reference);
    return typed ? (this.byName.get(`${typed[1]}/${typed[2]}`) ?? undefined) : undefined;
  }

  private name(name: string, entry: BundleEntry): void {
    const known = this.byName.get(name);
    this.byName.set(name, known === undefined || known === entry ? entry : AMBIGUOUS);
  }

  private byIdentifier(type: string, query: string): BundleEntry | undefined {
    let token: string;
    try {
      token = decodeURIComponent(query.replace(/\+/g, " "));
    } catch {
      return undefined;
    }
    const bar = token.indexOf("|");
    const system = bar < 0 ? undefined : token.slice(0, bar);
    const value = bar < 0 ? token : token.slice(bar + 1);
    if (value === "") return undefined;
    const matches = (this.byType.get(type) ?? []).filter((entry) => identifiersOf(entry).some((id) => id.value === value && (system === undefined || (system === "" ? id.system === undefined : id.system === system))));
    return matches.length === 1 ? matches[0] : undefined;
  }
}

function identifiersOf(entry: BundleEntry): Identifier[] {
  const identifier = (entry.resource as { identifier?: unknown } | undefined)?.identifier;
  const list = Array.isArray(identifier) ? identifier : identifier === undefined ? [] : [identifier];
  return list.filter(isPlainObject) as Identifier[];
}

/**
 * The literal `reference` strings of the Reference values found by walking `path` from `value`
 * (arrays are walked through at every step): `referencesAt(claim, "item", "encounter")` gives the
 * references of every `Claim.item[].encounter[]`. Empty strings and identifier-only references are
 * left out.
 */
export function referencesAt(value: unknown, ...path: string[]): string[] {
  let current: unknown[] = [value];
  for (const key of path) {
    const next: unknown[] = [];
    for (const item of current) {
      const child = isPlainObject(item) ? item[key] : undefined;
      if (Array.isArray(child)) next.push(...child);
      else if (child !== undefined) next.push(child);
    }
    current = next;
  }
  return current.flatMap((item) => {
    const reference = isPlainObject(item) ? item.reference : undefined;
    return typeof reference === "string" && reference !== "" ? [reference] : [];
  });
}
