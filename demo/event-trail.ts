import type { Interface, LogDescription, Provider } from "ethers";
import {
  ConsentManager__factory,
  PatientRegistry__factory,
  ProviderRegistry__factory,
  RecordToken__factory,
} from "../typechain-types";
import { CORE_CONTRACTS, type CoreContractName, type MedrecDeployment } from "../deploy/medrec";

/** One decoded event of the medrec core. */
export interface TrailEvent {
  blockNumber: number;
  logIndex: number;
  transactionHash: string;
  /** The core contract that emitted it. */
  contract: CoreContractName;
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

/**
 * Reads every event the four core contracts emitted from the deployment's start block on, decoded with
 * their ABIs, in chain order (block, then log index). Logs no ABI event matches are skipped.
 * @param provider Reads the logs.
 * @param deployment Contract addresses and the start block (from `deployMedrec` or the deployment file).
 * @param toBlock Last block to read; defaults to the latest.
 */
export async function readEventTrail(
  provider: Provider,
  deployment: Pick<MedrecDeployment, "startBlock" | "contracts">,
  toBlock: number | "latest" = "latest",
): Promise<TrailEvent[]> {
  const byAddress = new Map<string, CoreContractName>(
    CORE_CONTRACTS.map((name) => [deployment.contracts[name].address.toLowerCase(), name]),
  );
  const logs = await provider.getLogs({ address: [...byAddress.keys()], fromBlock: deployment.startBlock, toBlock });
  const trail: TrailEvent[] = [];
  for (const log of logs) {
    const contract = byAddress.get(log.address.toLowerCase());
    if (!contract) continue;
    const parsed = CORE_INTERFACES[contract].parseLog({ topics: [...log.topics], data: log.data });
    if (!parsed) continue;
    trail.push({ blockNumber: log.blockNumber, logIndex: log.index, transactionHash: log.transactionHash, contract, log: parsed });
  }
  return trail.sort((a, b) => a.blockNumber - b.blockNumber || a.logIndex - b.logIndex);
}
