/**
 * The `audit` namespace of `@medrec/sdk`: its actions (`action(client, params)`, from `sdk/actions/audit`) and the
 * building blocks below them (`sdk/audit`). An action's name shadows a building block of the same name.
 *
 * @module
 */
export * from "../audit";
export { accounting, type AccountingParams, type AnnotatedAuditEntry, type AnnotatedAccounting } from "../actions/audit";
