/**
 * The `wallet` namespace of the browser-ready core (`@medrec/sdk/browser`): the actions that run on a phone and
 * the building blocks without Node built-ins.
 *
 * @module
 */
export * from "../../wallet";
export { createAccount, send, setGuardians, cancelRecovery, proposeRecovery, approveRecovery, executeRecovery, type CreateAccountParams, type RecoveryParams } from "../../actions/wallet";
