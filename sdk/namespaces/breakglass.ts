/**
 * The `breakglass` namespace of `@medrec/sdk`: its actions (`action(client, params)`, from `sdk/actions/breakglass`
 * and `sdk/actions/breakglass-proposals`) and the building blocks below them (`sdk/breakglass`). An action's name
 * shadows a building block of the same name.
 *
 * @module
 */
export * from "../breakglass";
export { connect, propose, approve, execute, type ConnectParams, type ProposeParams, type ProposedEmergencyAccess } from "../actions/breakglass";
export { openProposal, approveProposal, executeProposal, status, type ApprovedProposal } from "../actions/breakglass-proposals";
