/**
 * The `resolver` namespace of the browser-ready core (`@medrec/sdk/browser`): the actions that run on a phone and
 * the building blocks without Node built-ins.
 *
 * @module
 */
export * from "../../resolver";
export { info, keys, release, type ReleaseParams, type ReleasedKeyExtra } from "../../actions/resolver";
