import { ZeroAddress, getAddress, type Signer } from "ethers";
import { ConsentManager__factory, ProviderRegistry__factory } from "@medrec/sdk/chain/contracts";
import type { ContractDeployer, DeployedContract } from "./contract-deployer";

/** The contracts of the on-chain core, in deployment order. */
export const CORE_CONTRACTS = ["PatientRegistry", "ProviderRegistry", "ConsentManager", "RecordToken"] as const;
export type CoreContractName = (typeof CORE_CONTRACTS)[number];

/** Who holds which role after deployment. Unset roles are not granted to anyone. */
export interface RoleAssignments {
  /** Registers, suspends and reinstates participants. Defaults to the deployer. */
  registrar?: string;
  /** The key-release resolver that records disclosures. */
  resolver?: string;
  /** The break-glass authority (a Safe) that opens emergency access. */
  breakGlass?: string;
  /** Final holder of DEFAULT_ADMIN_ROLE on both registries; when it is not the deployer, the deployer renounces. */
  admin?: string;
}

/** The result of one deployment: addresses, chain and the roles as granted. */
export interface MedrecDeployment {
  chainId: number;
  deployer: string;
  startBlock: number;
  contracts: Record<CoreContractName, DeployedContract>;
  roles: { registrar: string; resolver: string | null; breakGlass: string | null; admin: string };
}

/**
 * Deploys PatientRegistry, ProviderRegistry, ConsentManager and RecordToken, wires the record token into
 * the consent manager and grants the roles. Works with any {@link ContractDeployer}.
 * @param deployer Deploys each contract (EVM or zkSync).
 * @param signer The deployer account; sends the wiring transactions.
 * @param roles Role holders; see {@link RoleAssignments}.
 */
export async function deployMedrec(
  deployer: ContractDeployer,
  signer: Signer,
  roles: RoleAssignments = {},
): Promise<MedrecDeployment> {
  const provider = signer.provider;
  if (!provider) throw new Error("the deployer signer needs a provider");
  const from = await signer.getAddress();
  const { chainId } = await provider.getNetwork();
  const registrar = getAddress(roles.registrar ?? from);
  const admin = getAddress(roles.admin ?? from);

  const patientRegistry = await deployer.deploy("PatientRegistry", []);
  const providerRegistry = await deployer.deploy("ProviderRegistry", [from]);
  const consentManager = await deployer.deploy("ConsentManager", [
    from,
    patientRegistry.address,
    providerRegistry.address,
  ]);
  const recordToken = await deployer.deploy("RecordToken", [
    patientRegistry.address,
    providerRegistry.address,
    consentManager.address,
  ]);

  const providers = ProviderRegistry__factory.connect(providerRegistry.address, signer);
  const consents = ConsentManager__factory.connect(consentManager.address, signer);
  const send = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();

  await send(consents.setRecordToken(recordToken.address));
  await send(providers.grantRole(await providers.REGISTRAR_ROLE(), registrar));
  if (roles.resolver) await send(consents.grantRole(await consents.RESOLVER_ROLE(), getAddress(roles.resolver)));
  if (roles.breakGlass) await send(consents.grantRole(await consents.BREAK_GLASS_ROLE(), getAddress(roles.breakGlass)));
  if (admin !== getAddress(from)) {
    for (const contract of [providers, consents]) {
      const adminRole = await contract.DEFAULT_ADMIN_ROLE();
      await send(contract.grantRole(adminRole, admin));
      await send(contract.renounceRole(adminRole, from));
    }
  }

  return {
    chainId: Number(chainId),
    deployer: from,
    startBlock: patientRegistry.blockNumber,
    contracts: {
      PatientRegistry: patientRegistry,
      ProviderRegistry: providerRegistry,
      ConsentManager: consentManager,
      RecordToken: recordToken,
    },
    roles: {
      registrar,
      resolver: roles.resolver ? getAddress(roles.resolver) : null,
      breakGlass: roles.breakGlass ? getAddress(roles.breakGlass) : null,
      admin,
    },
  };
}

/** Role holders read from the environment: MEDREC_REGISTRAR, MEDREC_RESOLVER, MEDREC_BREAK_GLASS, MEDREC_ADMIN. */
export function rolesFromEnv(env: NodeJS.ProcessEnv = process.env): RoleAssignments {
  const pick = (name: string) => (env[name] && env[name] !== ZeroAddress ? env[name] : undefined);
  return {
    registrar: pick("MEDREC_REGISTRAR"),
    resolver: pick("MEDREC_RESOLVER"),
    breakGlass: pick("MEDREC_BREAK_GLASS"),
    admin: pick("MEDREC_ADMIN"),
  };
}
