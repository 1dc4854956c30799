/**
 * `createMedrecClient`: the one object every action takes first (viem style). It holds the provider, the
 * deployment, the EIP-712 domains and contract handles (computed once), the stores and the acting account; it has
 * no behaviour of its own. Every flow is an action `action(client, params)` in its domain's namespace
 * (`records.ingest`, `consent.grant`, `audit.accounting`, …).
 *
 * @module
 */
import { JsonRpcProvider, Network, type Provider, type TypedDataDomain } from "ethers";
// The factories one by one: the index of the contract types loads every factory (start-up time of the CLI).
import { ConsentManager__factory } from "../chain/contracts/factories/contracts/ConsentManager__factory";
import { PatientRegistry__factory } from "../chain/contracts/factories/contracts/PatientRegistry__factory";
import { ProviderRegistry__factory } from "../chain/contracts/factories/contracts/ProviderRegistry__factory";
import { RecordToken__factory } from "../chain/contracts/factories/contracts/RecordToken__factory";
import type { ConsentManager, PatientRegistry, ProviderRegistry, RecordToken } from "../chain/contracts";
import { recordTokenDomain } from "../chain/record-attestation";
import { consentDomain } from "../consent/typed-data";
import type { ConsentStore } from "../consent/consent-store";
import type { KeyStore } from "../records/key-store";
import { resolverDomain } from "../resolver/protocol/typed-data";
import type { ContentStore } from "../storage/types";
import type { BytesLike } from "../crypto/bytes";
import { InvalidArgumentError, MedrecError } from "../errors";
import { checkDeployment, type CoreAddresses, type Deployment } from "./deployment";
import type { MedrecAccount } from "./account";
import { memoryKeyStore } from "./memory-key-store";

/** A key-release service the client deposits record keys with and asks for releases. */
export interface ResolverEndpoint {
  /** Its base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** Its X25519 public key (hex or bytes); fetched from `GET /v1/info` when absent. */
  publicKey?: BytesLike;
}

/** What {@link createMedrecClient} is given. */
export interface MedrecClientConfig {
  /** A provider for the deployment's chain; or give `rpcUrl`. */
  provider?: Provider;
  /**
   * A JSON-RPC URL; the provider is made pinned to the deployment's chain id (no network probing), without ethers'
   * 250 ms result cache (an action reads what it just wrote: a balance, a nonce, a grant) and polling receipts
   * every {@link RECEIPT_POLLING_MS} ms.
   */
  rpcUrl?: string;
  /** The deployment (a parsed `deployments/<network>.json` fits). */
  deployment: Deployment;
  /** Where ciphertext goes and comes from (content-addressed). Needed by record actions. */
  store?: ContentStore;
  /** The acting account's wrapped record keys; default an in-memory store. */
  keys?: KeyStore;
  /** Who acts: signs typed data and sends transactions. Read-only actions work without. */
  account?: MedrecAccount;
  /** Where consent documents are written (Ceramic in the product). Without it consents carry no document. */
  consents?: ConsentStore;
  /** The resolver record keys are deposited with and released by. */
  resolver?: ResolverEndpoint;
  /** Blocks per `eth_getLogs` query of event-reading actions (default the audit's page size). */
  logPageSize?: number;
  /**
   * With `rpcUrl`: how often the provider polls for receipts, in ms (default ethers' 4000; a local chain mines at
   * once, and a command-line tool wants ~200).
   */
  pollingInterval?: number;
}

/** The EIP-712 domains of the deployment. */
export interface MedrecDomains {
  /** `ConsentManager`'s: consents and revocations. */
  consent: TypedDataDomain;
  /** `RecordToken`'s: record-update attestations. */
  recordToken: TypedDataDomain;
  /** The resolvers': access requests and key deposits. */
  resolver: TypedDataDomain;
}

/** The core contracts, connected to the client's provider for reading. */
export interface MedrecContracts {
  patientRegistry: PatientRegistry;
  providerRegistry: ProviderRegistry;
  consentManager: ConsentManager;
  recordToken: RecordToken;
}

/** A medrec client. Plain data: pass it to actions. */
export interface MedrecClient {
  readonly provider: Provider;
  /** The JSON-RPC URL when the client was made from one (break-glass actions hand it to protocol-kit). */
  readonly rpcUrl?: string;
  readonly chainId: bigint;
  readonly deployment: Deployment;
  /** Checksummed core addresses. */
  readonly addresses: CoreAddresses;
  /** The first block event queries read (the deployment's start block, or 0). */
  readonly startBlock: number;
  readonly domains: MedrecDomains;
  readonly contracts: MedrecContracts;
  readonly store?: ContentStore;
  readonly keys: KeyStore;
  readonly account?: MedrecAccount;
  readonly consents?: ConsentStore;
  readonly resolver?: ResolverEndpoint;
  readonly logPageSize?: number;
}

/** How often a client made from an `rpcUrl` polls for a transaction's receipt (ethers' default is 4 s). */
export const RECEIPT_POLLING_MS = 250;

/**
 * Makes a client. Synchronous and offline: nothing is read from the chain until an action runs.
 * @throws InvalidArgumentError when neither or both of `provider` and `rpcUrl` are given, or the deployment is
 *   malformed.
 */
export function createMedrecClient(config: MedrecClientConfig): MedrecClient {
  if ((config.provider === undefined) === (config.rpcUrl === undefined)) {
    throw new InvalidArgumentError("createMedrecClient: give exactly one of provider and rpcUrl");
  }
  const addresses = checkDeployment(config.deployment);
  const chainId = BigInt(config.deployment.chainId);
  // Made from a URL: pinned to the chain, one request per call, no cached answers (a nonce read twice in 250 ms
  // must not be served stale between two transactions of one account).
  const provider =
    config.provider ??
    new JsonRpcProvider(config.rpcUrl, Network.from(chainId), {
      staticNetwork: Network.from(chainId),
      batchMaxCount: 1,
      cacheTimeout: -1,
      pollingInterval: config.pollingInterval ?? RECEIPT_POLLING_MS,
    });
  return Object.freeze({
    provider,
    rpcUrl: config.rpcUrl,
    chainId,
    deployment: config.deployment,
    addresses,
    startBlock: config.deployment.startBlock ?? 0,
    domains: Object.freeze({
      consent: consentDomain(chainId, addresses.ConsentManager),
      recordToken: recordTokenDomain(chainId, addresses.RecordToken),
      resolver: resolverDomain(chainId, addresses.ConsentManager),
    }),
    contracts: Object.freeze({
      patientRegistry: PatientRegistry__factory.connect(addresses.PatientRegistry, provider),
      providerRegistry: ProviderRegistry__factory.connect(addresses.ProviderRegistry, provider),
      consentManager: ConsentManager__factory.connect(addresses.ConsentManager, provider),
      recordToken: RecordToken__factory.connect(addresses.RecordToken, provider),
    }),
    store: config.store,
    keys: config.keys ?? memoryKeyStore(),
    account: onChain(config.account, provider),
    consents: config.consents,
    resolver: config.resolver,
    logPageSize: config.logPageSize,
  });
}

/** A client for another account, sharing everything else (e.g. a relayer, a guardian). */
export function withAccount(client: MedrecClient, account: MedrecAccount | undefined): MedrecClient {
  return Object.freeze({ ...client, account: onChain(account, client.provider) });
}

/**
 * `account` with an EOA key that has no provider connected to the client's (a bare `new Wallet(key)`), so that
 * it can send; a key connected elsewhere is kept as it is (the caller chose its provider).
 */
function onChain(account: MedrecAccount | undefined, provider: Provider): MedrecAccount | undefined {
  if (account?.kind !== "eoa" || account.signer.provider !== null) return account;
  return { ...account, signer: account.signer.connect(provider) };
}

/** An action needed a part of the client it was not given (an account, a store, a resolver…). */
export class ClientConfigError extends MedrecError {
  declare readonly code: "CLIENT_MISSING";
  /** What is missing: `account`, `store`, `resolver`, `consents`, `wallets`, `safe`. */
  readonly missing: string;

  /**
   * @param action The action, e.g. `records.ingest`.
   * @param missing The missing part.
   */
  constructor(action: string, missing: string) {
    super("CLIENT_MISSING", "invalid-input", `${action} needs a client with ${missing === "account" ? "an" : "a"} ${missing}`);
    this.missing = missing;
  }
}

/** The client's account, or a {@link ClientConfigError}. */
export function requireAccount(client: MedrecClient, action: string): MedrecAccount {
  if (client.account === undefined) throw new ClientConfigError(action, "account");
  return client.account;
}

/** The client's content store, or a {@link ClientConfigError}. */
export function requireStore(client: MedrecClient, action: string): ContentStore {
  if (client.store === undefined) throw new ClientConfigError(action, "store");
  return client.store;
}

/** The client's resolver, or a {@link ClientConfigError}. */
export function requireResolver(client: MedrecClient, action: string): ResolverEndpoint {
  if (client.resolver === undefined) throw new ClientConfigError(action, "resolver");
  return client.resolver;
}
