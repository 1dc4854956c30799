/**
 * The `wallet` namespace of `@medrec/sdk`: its actions (`action(client, params)`, from `sdk/actions/wallet`) and the
 * building blocks below them (`sdk/wallet`). An action's name shadows a building block of the same name.
 *
 * @module
 */
export * from "../wallet";
export { registerPatient, type RegisteredPatient } from "../actions/wallet";
export { createAccount, send, setGuardians, cancelRecovery, proposeRecovery, approveRecovery, executeRecovery, type CreateAccountParams, type RecoveryParams } from "../actions/wallet";
