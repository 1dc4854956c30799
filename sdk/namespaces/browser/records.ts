/**
 * The `records` namespace of the browser-ready core (`@medrec/sdk/browser`): the actions that run on a phone and
 * the building blocks without Node built-ins.
 *
 * @module
 */
export * from "../../records/core";
export { read, list, forget, type ReadParams, type RecordSummary } from "../../actions/records";
