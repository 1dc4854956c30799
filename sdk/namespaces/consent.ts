/**
 * The `consent` namespace of `@medrec/sdk`: its actions (`action(client, params)`, from `sdk/actions/consent`) and the
 * building blocks below them (`sdk/consent`). An action's name shadows a building block of the same name.
 *
 * @module
 */
export * from "../consent";
export { grant, revoke, list, describeGrant, type GrantParams, type GrantResult, type RevokeResult, type ListedGrant } from "../actions/consent";
