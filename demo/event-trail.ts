import type { Interface, LogDescription, Provider } from "ethers";
import {
  AccountFactoryBase__factory,
  ConsentManager__factory,
  PatientRegistry__factory,
  ProviderRegistry__factory,
  RecordToken__factory,
  SponsorPaymaster__factory,
} from "../sdk/chain/contracts";
import { CORE_CONTRACTS, type CoreContractName, type MedrecDeployment } from "../deploy/medrec";
import type { WalletDeployment } from "../deploy/aa-wallets";

/** One decoded event of the medrec core. */
export interface TrailEvent {
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
  /** The contract that emitted it. */
  contract: string;
  /** Event name, fragment and decoded arguments. */
  log: LogDescription;
}

/** The ABI interface of each core contract. */
export const CORE_INTERFACES: Readonly<Record<CoreContractName, Interface>> = {
  PatientRegistry: PatientRegistry__factory.createInterface(),
  ProviderRegistry: ProviderRegistry__factory.createInterface(),
  ConsentManager: ConsentManager__factory.createInterface(),
  RecordToken: RecordToken__factory.createInterface(),
};

/** A contract whose events go into the trail. */
export interface TrailSource {
  name: string;
  address: string;
  iface: Interface;
}

/**
 * The contracts of a deployment whose events make the trail: the four core contracts, plus the account
 * factory and the sponsor paymaster when `wallets` is given.
 */
export function trailSources(deployment: Pick<MedrecDeployment, "contracts">, wallets?: WalletDeployment): TrailSource[] {
  const sources: TrailSource[] = CORE_CONTRACTS.map((name) => ({
    name,
    address: deployment.contracts[name].address,
    iface: CORE_INTERFACES[name],
  }));
  if (wallets) {
    sources.push(
      { name: "AccountFactory", address: wallets.AccountFactory.address, iface: AccountFactoryBase__factory.createInterface() },
      { name: "SponsorPaymaster", address: wallets.SponsorPaymaster.address, iface: SponsorPaymaster__factory.createInterface() },
    );
  }
  return sources;
}

/**
 * Reads every event `sources` emitted from `fromBlock` on, decoded with their ABIs, in chain order (block,
 * then log index). Logs no ABI event matches are skipped.
 * @param provider Reads the logs.
 * @param sources The contracts (see {@link trailSources}).
 * @param fromBlock First block to read (the deployment's start block).
 * @param toBlock Last block to read; defaults to the latest.
 */
export async function readEventTrail(
  provider: Provider,
  sources: readonly TrailSource[],
  fromBlock: number,
  toBlock: number | "latest" = "latest",
): Promise<TrailEvent[]> {
  const byAddress = new Map<string, TrailSource>(sources.map((source) => [source.address.toLowerCase(), source]));
  const logs = await provider.getLogs({ address: [...byAddress.keys()], fromBlock, toBlock });
  const trail: TrailEvent[] = [];
  for (const log of logs) {
    const source = byAddress.get(log.address.toLowerCase());
    if (!source) continue;
    const contract = source.name;
    const parsed = source.iface.parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) continue;
    trail.push({ blockNumber: log.blockNumber, logIndex: log.index, transactionHash: log.transactionHash, contract, log: parsed });
  }
  return trail.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}
