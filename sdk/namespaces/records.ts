/**
 * The `records` namespace of `@medrec/sdk`: its actions (`action(client, params)`, from `sdk/actions/records`) and the
 * building blocks below them (`sdk/records`). An action's name shadows a building block of the same name.
 *
 * @module
 */
export * from "../records";
export { read, list, forget, type ReadParams, type RecordSummary } from "../actions/records";
export { ingest, type IngestParams } from "../actions/ingest";
