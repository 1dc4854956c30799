/**
 * The one place the CLI makes its medrec client: from the config (RPC URL, the deployment's addresses, chain id,
 * start block and Safe contracts), the Helia store and the key store of the home folder, the identity as the
 * acting account, the Ceramic consent store written as the identity, and the resolver named on the command line. Every command's work goes through it and the SDK's
 * actions.
 *
 * @module
 */
import type { JsonRpcProvider, Wallet } from "ethers";
import { createMedrecClient, eoaAccount, records, storage, withAccount, type Deployment, type MedrecClient } from "@medrec/sdk";
import { checkServedChain } from "./chain";
import { openConsentStore, type CeramicChoice } from "./consent-store";
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
  /** Open the consent store (Ceramic, as the identity: needs its key) unless Ceramic is off. */
  consents?: boolean;
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

/** What {@link withMedrecClient} needs of the command's context. */
export interface ClientKeys {
  /** The identity's Ethereum key, decrypted (not connected). */
  unlock(): Promise<Wallet>;
  /** Checks that the connected key holds ETH for gas (`funded`). */
  requireFunds(signer: Wallet, provider: JsonRpcProvider): Promise<void>;
  /** The Ceramic node consent documents go to (`consent-store.ts`). */
  ceramic: CeramicChoice;
}

/**
 * Makes the client of one command after checking that the node serves the configured chain, and closes what it
 * opened (the stores, the provider's timers) when `work` is done.
 * @param config The CLI config.
 * @param options What the command needs.
 * @param keys The identity's key and the Ceramic choice (the context's).
 * @param work The command's work.
 */
export async function withMedrecClient<T>(config: CliConfig, options: ClientOptions, keys: ClientKeys, work: (session: CliClient) => Promise<T>): Promise<T> {
  await checkServedChain(config);
  registerContracts(config.contracts);
  const account = options.account ?? "none";
  const key = account !== "none" || options.consents ? await keys.unlock() : undefined;
  let store: storage.HeliaContentStore | undefined;
  let consents: Awaited<ReturnType<typeof openConsentStore>>;
  let provider: JsonRpcProvider | undefined;
  try {
    consents = options.consents ? await openConsentStore(keys.ceramic, key!, BigInt(config.chainId)) : undefined;
    store = options.store ? await storage.HeliaContentStore.open({ directory: config.ipfs }) : undefined;
    const client = createMedrecClient({
      rpcUrl: config.rpcUrl,
      pollingInterval: POLLING_INTERVAL_MS,
      deployment: deploymentOf(config),
      store,
      keys: records.fileKeyStore(config.keys),
      consents,
      resolver: options.resolver === undefined ? undefined : { url: options.resolver },
      logPageSize: options.logPageSize,
    });
    provider = client.provider as JsonRpcProvider;
    if (account === "none") return await work({ client, provider });
    const signer = key!.connect(provider);
    if (account === "funded") await keys.requireFunds(signer, provider);
    return await work({ client: withAccount(client, await eoaAccount(signer, signer.address)), provider, signer });
  } finally {
    await store?.close();
    await consents?.close();
    provider?.destroy();
  }
}
