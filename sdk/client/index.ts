/**
 * `sdk/client`: {@link createMedrecClient} and what it is made of (deployment, account, stores). Actions are in
 * their domains' namespaces.
 *
 * @module
 */
export {
  createMedrecClient,
  RECEIPT_POLLING_MS,
  withAccount,
  requireAccount,
  requireStore,
  requireResolver,
  ClientConfigError,
  type MedrecClient,
  type MedrecClientConfig,
  type MedrecContracts,
  type MedrecDomains,
  type ResolverEndpoint,
} from "./client";
export { eoaAccount, smartAccount, typedDataSigner, type EoaAccount, type MedrecAccount, type SmartAccount } from "./account";
export { checkDeployment, CORE_CONTRACT_NAMES, type CoreAddresses, type CoreContractName, type DeployedAddress, type Deployment } from "./deployment";
export { memoryKeyStore } from "./memory-key-store";
