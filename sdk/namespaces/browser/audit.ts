/**
 * The `audit` namespace of the browser-ready core (`@medrec/sdk/browser`): the actions that run on a phone and
 * the building blocks without Node built-ins.
 *
 * @module
 */
export * from "../../audit";
export { accounting, type AccountingParams, type AnnotatedAuditEntry, type AnnotatedAccounting } from "../../actions/audit";
