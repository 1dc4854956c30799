/**
 * The `resolver` namespace of `@medrec/sdk`: its actions (`action(client, params)`, from `sdk/actions/resolver`) and the
 * building blocks below them (`sdk/resolver`). An action's name shadows a building block of the same name.
 *
 * @module
 */
export * from "../resolver";
export { info, keys, release, type ReleaseParams, type ReleasedKeyExtra } from "../actions/resolver";
