/**
 * The `consent` namespace of the browser-ready core (`@medrec/sdk/browser`): the actions that run on a phone and
 * the building blocks without Node built-ins.
 *
 * @module
 */
export * from "../../consent/core";
export { grant, revoke, list, describeGrant, type GrantParams, type GrantResult, type RevokeResult, type ListedGrant } from "../../actions/consent";
