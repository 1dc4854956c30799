/**
 * The one place the CLI makes its medrec client: from the config (RPC URL, the deployment's addresses, chain id,
 * start block and Safe contracts), the Helia store and the key store of the home folder, the identity as the
 * acting account, and the resolver named on the command line. Every command's work goes through it and the SDK's
 * actions.
 *
 * @module
 */
import type { JsonRpcProvider, Wallet } from "ethers";
import { createMedrecClient, eoaAccount, records, storage, withAccount, type Deployment, type MedrecClient } from "../../sdk";
import { checkServedChain } from "./chain";
import { CONTRACT_NAMES, type CliConfig } from "./config";
import { registerContracts } from "./errors";
import { safeDeploymentOf } from "./safe-config";

/** How often the CLI's provider polls for receipts (ms): local chains mine at once. */
const POLLING_INTERVAL_MS = 200;

/** Who acts through the client: nobody (reads), the identity's key, or the identity's key checked to hold ETH. */
export type ClientAccount = "none" | "signer" | "funded";

/** What a command needs of its client. */
export interface ClientOptions {
  /** Default `none`. */
  account?: ClientAccount;
  /** Open the embedded Helia store of the home folder (record commands). */
  store?: boolean;
  /** The resolver record keys are deposited with and released by (`--resolver <url>`). */
  resolver?: string;
  /** Blocks per `eth_getLogs` query (`--page-size`). */
  logPageSize?: number;
}

/** A client and what the CLI needs beside it. */
export interface CliClient {
  client: MedrecClient;
  /** The client's provider (a JSON-RPC one: the dev funding sends raw requests through it). */
  provider: JsonRpcProvider;
  /** The identity's key, connected to the provider, when the command acts. */
  signer?: Wallet;
}

/** The deployment of a CLI config, in the shape the SDK client takes. */
export function deploymentOf(config: CliConfig): Deployment {
  const contracts = {} as Deployment["contracts"];
  for (const name of CONTRACT_NAMES) contracts[name] = { address: config.contracts[name] };
  return {
    chainId: BigInt(config.chainId),
    startBlock: config.startBlock,
    contracts,
    ...(config.safe ? { safe: safeDeploymentOf(config.safe) } : {}),
  };
}

/**
 * Makes the client of one command after checking that the node serves the configured chain, and closes what it
 * opened (the store, the provider's timers) when `work` is done.
 * @param config The CLI config.
 * @param options What the command needs.
 * @param account Unlocks the identity's key for `signer`/`funded` (the context's, which reads the passphrase and checks the balance).
 * @param work The command's work.
 */
export async function withMedrecClient<T>(
  config: CliConfig,
  options: ClientOptions,
  account: (provider: JsonRpcProvider) => Promise<Wallet | undefined>,
  work: (session: CliClient) => Promise<T>,
): Promise<T> {
  await checkServedChain(config);
  registerContracts(config.contracts);
  const store = options.store ? await storage.HeliaContentStore.open({ directory: config.ipfs }) : undefined;
  let provider: JsonRpcProvider | undefined;
  try {
    const client = createMedrecClient({
      rpcUrl: config.rpcUrl,
      pollingInterval: POLLING_INTERVAL_MS,
      deployment: deploymentOf(config),
      store,
      keys: records.fileKeyStore(config.keys),
      resolver: options.resolver === undefined ? undefined : { url: options.resolver },
      logPageSize: options.logPageSize,
    });
    provider = client.provider as JsonRpcProvider;
    const signer = await account(provider);
    const acting = signer === undefined ? client : withAccount(client, await eoaAccount(signer, signer.address));
    return await work({ client: acting, provider, signer });
  } finally {
    await store?.close();
    provider?.destroy();
  }
}
