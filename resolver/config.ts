import { readFile } from "node:fs/promises";
import { getAddress } from "ethers";
import { RESOLVER_CLIENT_TIMEOUT_MS } from "@medrec/sdk/resolver/protocol";
import { readIdentityFile, resolverIdentity, type ResolverIdentity } from "./identity";

/** Everything a resolver needs to run. */
export interface ResolverConfig {
  /** JSON-RPC endpoint of the chain. */
  rpcUrl: string;
  consentManager: string;
  recordToken: string;
  /** First block scanned for burns (the deployment block). */
  startBlock: number;
  /** SQLite file of the resolver's state. */
  databaseFile: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  identity: ResolverIdentity;
  limits: ResolverLimits;
  /** How often the chain is scanned for `RecordBurned`, in ms. */
  burnPollMs: number;
  /** pino level: `info` by default, `silent` to mute. */
  logLevel: string;
  /**
   * Behind a reverse proxy, how many proxy hops to trust for the client address (`X-Forwarded-For`), so that the
   * per-IP limit applies to clients rather than to the proxy. 0 (default): use the socket address.
   */
  trustedProxyHops?: number;
}

/** Abuse limits: rates, sizes, and the time and gas any one request may cost. */
export interface ResolverLimits {
  /** Requests per minute per client IP (all routes but `/healthz`). */
  perIpPerMinute: number;
  /** `/healthz` requests per minute per client IP (its own bucket, so monitoring and clients do not starve each other). */
  healthPerIpPerMinute: number;
  /**
   * Key releases and deposits per minute per requester or depositor: a valid ECDSA signer is counted after its
   * (local, cheap) check; a claimed contract signer is counted before its ERC-1271 call is made.
   */
  perRequesterPerMinute: number;
  /** Largest request body accepted, in bytes. */
  bodyLimitBytes: number;
  /** Furthest a request's deadline may lie in the future, in seconds (bounds how long nonces are kept). */
  maxRequestTtlSeconds: number;
  /** Gas cap of one ERC-1271 `isValidSignature` call (a looping contract runs out of gas, it cannot stall the node). */
  signatureCheckGas: number;
  /** Time cap of one contract-signature check (code lookup + ERC-1271 call), in ms; beyond it: 503, nothing done. */
  signatureCheckTimeoutMs: number;
  /** Time a client has to send the request headers from the moment it connects, in ms (slow-drip clients). */
  headersTimeoutMs: number;
  /** Time a client has to send the whole request (headers and body), in ms. */
  requestTimeoutMs: number;
  /** Idle time after a response before a keep-alive socket is closed, in ms. */
  keepAliveTimeoutMs: number;
  /** Most open client connections; further ones are closed at once. */
  maxConnections: number;
  /**
   * How long the first key release of an idle window waits for others before its `recordDisclosures` batch is sent,
   * in ms (a few ms: a single request on an automining chain stays fast).
   */
  disclosureWindowMs: number;
  /**
   * While a batch is pending, how long the next window keeps collecting before it is sent anyway, in ms (it is sent
   * earlier when it is full or when no batch is pending any more).
   */
  disclosurePipelineWindowMs: number;
  /** Gas cap of one `recordDisclosures` transaction: a window is chunked into batches under it. */
  disclosureBatchGas: number;
  /** Most `recordDisclosures` transactions sent and not yet mined. */
  disclosuresInFlight: number;
  /** Most key releases waiting for their disclosure (collecting, sent or pending); beyond it: 503, nothing done. */
  maxPendingDisclosures: number;
  /**
   * Longest time from a key release reaching the batcher to its answer, in ms: a batch not mined by then is given
   * up (a no-op takes its nonce) and its requests are refused (`DISCLOSURE_FAILED`). Must stay under the client's
   * timeout (`RESOLVER_CLIENT_TIMEOUT_MS`) by at least {@link CLIENT_TIMEOUT_MARGIN_MS}, for the checks before it.
   */
  disclosureTimeoutMs: number;
  /** At shutdown, how long pending batches may still be mined before they are given up, in ms. */
  disclosureCloseWaitMs: number;
  /** How often the disclosure account's nonces are checked against the chain while any is pending, in ms. */
  disclosureNonceCheckMs: number;
  /** A disclosure transaction pending longer than this makes `/healthz` degraded (503), in ms. */
  disclosureStallMs: number;
}

/** Time kept between the resolver's disclosure budget and the client's timeout (signature and access checks). */
export const CLIENT_TIMEOUT_MARGIN_MS = 5_000;

/** A disclosure budget that would outlast the client's wait. */
export class DisclosureBudgetError extends RangeError {
  constructor(timeoutMs: number) {
    super(`disclosureTimeoutMs (${timeoutMs} ms) must stay under the client's ${RESOLVER_CLIENT_TIMEOUT_MS} ms by ${CLIENT_TIMEOUT_MARGIN_MS} ms`);
    this.name = "DisclosureBudgetError";
  }
}

/**
 * Checks that a key release is answered before the client gives up.
 * @throws {DisclosureBudgetError} When `disclosureTimeoutMs` leaves less than {@link CLIENT_TIMEOUT_MARGIN_MS}.
 */
export function checkDisclosureBudget(limits: Pick<ResolverLimits, "disclosureTimeoutMs">): void {
  if (limits.disclosureTimeoutMs > RESOLVER_CLIENT_TIMEOUT_MS - CLIENT_TIMEOUT_MARGIN_MS) throw new DisclosureBudgetError(limits.disclosureTimeoutMs);
}

/** Defaults of {@link ResolverLimits}. */
export const DEFAULT_LIMITS: ResolverLimits = {
  perIpPerMinute: 600,
  healthPerIpPerMinute: 120,
  perRequesterPerMinute: 120,
  bodyLimitBytes: 4096,
  maxRequestTtlSeconds: 600,
  signatureCheckGas: 1_000_000,
  signatureCheckTimeoutMs: 2_000,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
  disclosureWindowMs: 3,
  disclosurePipelineWindowMs: 50,
  disclosureBatchGas: 6_000_000,
  disclosuresInFlight: 32,
  maxPendingDisclosures: 4_096,
  disclosureTimeoutMs: 20_000,
  disclosureCloseWaitMs: 3_000,
  disclosureNonceCheckMs: 2_000,
  disclosureStallMs: 20_000,
};

const number = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`${name} must be a non-negative number`);
  return parsed;
};

/**
 * Reads the configuration from the environment:
 * - `RESOLVER_RPC_URL` (default `http://127.0.0.1:8545`);
 * - `RESOLVER_DEPLOYMENT` (a `deployments/<network>.json`; default `deployments/localhost.json`), or
 *   `RESOLVER_CONSENT_MANAGER` and `RESOLVER_RECORD_TOKEN`;
 * - `RESOLVER_KEY_FILE` (from `npm run resolver -- keygen`), or `RESOLVER_SIGNER_KEY` and `RESOLVER_ENCRYPTION_KEY`;
 * - `RESOLVER_DB` (default `.medrec/resolver.sqlite`), `RESOLVER_HOST` (127.0.0.1), `RESOLVER_PORT` (8787);
 * - `RESOLVER_RATE_PER_IP`, `RESOLVER_RATE_HEALTH_PER_IP`, `RESOLVER_RATE_PER_REQUESTER` (per minute),
 *   `RESOLVER_BODY_LIMIT` (bytes), `RESOLVER_SIGNATURE_GAS`, `RESOLVER_SIGNATURE_TIMEOUT_MS`,
 *   `RESOLVER_HEADERS_TIMEOUT_MS`, `RESOLVER_REQUEST_TIMEOUT_MS`, `RESOLVER_KEEP_ALIVE_TIMEOUT_MS`,
 *   `RESOLVER_MAX_CONNECTIONS`, `RESOLVER_BURN_POLL_MS`, `RESOLVER_LOG_LEVEL`, `RESOLVER_TRUSTED_PROXY_HOPS` (0);
 * - the disclosure batcher: `RESOLVER_DISCLOSURE_WINDOW_MS`, `RESOLVER_DISCLOSURE_PIPELINE_WINDOW_MS`,
 *   `RESOLVER_DISCLOSURE_BATCH_GAS`, `RESOLVER_DISCLOSURES_IN_FLIGHT`, `RESOLVER_MAX_PENDING_DISCLOSURES`,
 *   `RESOLVER_DISCLOSURE_TIMEOUT_MS` (at most `RESOLVER_CLIENT_TIMEOUT_MS` − 5 s), `RESOLVER_DISCLOSURE_CLOSE_WAIT_MS`,
 *   `RESOLVER_DISCLOSURE_NONCE_CHECK_MS`, `RESOLVER_DISCLOSURE_STALL_MS`.
 * @throws {DisclosureBudgetError} When the disclosure budget would outlast the client's wait.
 */
export async function resolverConfigFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<ResolverConfig> {
  let consentManager = env.RESOLVER_CONSENT_MANAGER;
  let recordToken = env.RESOLVER_RECORD_TOKEN;
  let startBlock = number(env.RESOLVER_START_BLOCK, 0, "RESOLVER_START_BLOCK");
  if (!consentManager || !recordToken) {
    const file = env.RESOLVER_DEPLOYMENT ?? "deployments/localhost.json";
    let deployment: { startBlock?: number; contracts: Record<string, { address: string }> };
    try {
      deployment = JSON.parse(await readFile(file, "utf8"));
    } catch (error) {
      throw new Error(`no contract addresses: set RESOLVER_CONSENT_MANAGER and RESOLVER_RECORD_TOKEN, or RESOLVER_DEPLOYMENT (${file}: ${(error as Error).message})`);
    }
    consentManager = deployment.contracts.ConsentManager.address;
    recordToken = deployment.contracts.RecordToken.address;
    startBlock = deployment.startBlock ?? startBlock;
  }
  let identity: ResolverIdentity;
  if (env.RESOLVER_SIGNER_KEY && env.RESOLVER_ENCRYPTION_KEY) {
    identity = resolverIdentity(env.RESOLVER_SIGNER_KEY, env.RESOLVER_ENCRYPTION_KEY);
  } else if (env.RESOLVER_KEY_FILE) {
    identity = await readIdentityFile(env.RESOLVER_KEY_FILE);
  } else {
    throw new Error("no resolver keys: set RESOLVER_KEY_FILE (npm run resolver -- keygen --out <file>) or RESOLVER_SIGNER_KEY and RESOLVER_ENCRYPTION_KEY");
  }
  const config: ResolverConfig = {
    rpcUrl: env.RESOLVER_RPC_URL ?? "http://127.0.0.1:8545",
    consentManager: getAddress(consentManager),
    recordToken: getAddress(recordToken),
    startBlock,
    databaseFile: env.RESOLVER_DB ?? ".medrec/resolver.sqlite",
    host: env.RESOLVER_HOST ?? "127.0.0.1",
    port: number(env.RESOLVER_PORT, 8787, "RESOLVER_PORT"),
    identity,
    limits: {
      perIpPerMinute: number(env.RESOLVER_RATE_PER_IP, DEFAULT_LIMITS.perIpPerMinute, "RESOLVER_RATE_PER_IP"),
      healthPerIpPerMinute: number(env.RESOLVER_RATE_HEALTH_PER_IP, DEFAULT_LIMITS.healthPerIpPerMinute, "RESOLVER_RATE_HEALTH_PER_IP"),
      perRequesterPerMinute: number(env.RESOLVER_RATE_PER_REQUESTER, DEFAULT_LIMITS.perRequesterPerMinute, "RESOLVER_RATE_PER_REQUESTER"),
      bodyLimitBytes: number(env.RESOLVER_BODY_LIMIT, DEFAULT_LIMITS.bodyLimitBytes, "RESOLVER_BODY_LIMIT"),
      maxRequestTtlSeconds: number(env.RESOLVER_MAX_TTL, DEFAULT_LIMITS.maxRequestTtlSeconds, "RESOLVER_MAX_TTL"),
      signatureCheckGas: number(env.RESOLVER_SIGNATURE_GAS, DEFAULT_LIMITS.signatureCheckGas, "RESOLVER_SIGNATURE_GAS"),
      signatureCheckTimeoutMs: number(env.RESOLVER_SIGNATURE_TIMEOUT_MS, DEFAULT_LIMITS.signatureCheckTimeoutMs, "RESOLVER_SIGNATURE_TIMEOUT_MS"),
      headersTimeoutMs: number(env.RESOLVER_HEADERS_TIMEOUT_MS, DEFAULT_LIMITS.headersTimeoutMs, "RESOLVER_HEADERS_TIMEOUT_MS"),
      requestTimeoutMs: number(env.RESOLVER_REQUEST_TIMEOUT_MS, DEFAULT_LIMITS.requestTimeoutMs, "RESOLVER_REQUEST_TIMEOUT_MS"),
      keepAliveTimeoutMs: number(env.RESOLVER_KEEP_ALIVE_TIMEOUT_MS, DEFAULT_LIMITS.keepAliveTimeoutMs, "RESOLVER_KEEP_ALIVE_TIMEOUT_MS"),
      maxConnections: number(env.RESOLVER_MAX_CONNECTIONS, DEFAULT_LIMITS.maxConnections, "RESOLVER_MAX_CONNECTIONS"),
      disclosureWindowMs: number(env.RESOLVER_DISCLOSURE_WINDOW_MS, DEFAULT_LIMITS.disclosureWindowMs, "RESOLVER_DISCLOSURE_WINDOW_MS"),
      disclosurePipelineWindowMs: number(
        env.RESOLVER_DISCLOSURE_PIPELINE_WINDOW_MS,
        DEFAULT_LIMITS.disclosurePipelineWindowMs,
        "RESOLVER_DISCLOSURE_PIPELINE_WINDOW_MS",
      ),
      disclosureBatchGas: number(env.RESOLVER_DISCLOSURE_BATCH_GAS, DEFAULT_LIMITS.disclosureBatchGas, "RESOLVER_DISCLOSURE_BATCH_GAS"),
      disclosuresInFlight: Math.max(1, number(env.RESOLVER_DISCLOSURES_IN_FLIGHT, DEFAULT_LIMITS.disclosuresInFlight, "RESOLVER_DISCLOSURES_IN_FLIGHT")),
      maxPendingDisclosures: number(env.RESOLVER_MAX_PENDING_DISCLOSURES, DEFAULT_LIMITS.maxPendingDisclosures, "RESOLVER_MAX_PENDING_DISCLOSURES"),
      disclosureTimeoutMs: number(env.RESOLVER_DISCLOSURE_TIMEOUT_MS, DEFAULT_LIMITS.disclosureTimeoutMs, "RESOLVER_DISCLOSURE_TIMEOUT_MS"),
      disclosureCloseWaitMs: number(env.RESOLVER_DISCLOSURE_CLOSE_WAIT_MS, DEFAULT_LIMITS.disclosureCloseWaitMs, "RESOLVER_DISCLOSURE_CLOSE_WAIT_MS"),
      disclosureNonceCheckMs: number(env.RESOLVER_DISCLOSURE_NONCE_CHECK_MS, DEFAULT_LIMITS.disclosureNonceCheckMs, "RESOLVER_DISCLOSURE_NONCE_CHECK_MS"),
      disclosureStallMs: number(env.RESOLVER_DISCLOSURE_STALL_MS, DEFAULT_LIMITS.disclosureStallMs, "RESOLVER_DISCLOSURE_STALL_MS"),
    },
    burnPollMs: number(env.RESOLVER_BURN_POLL_MS, 1000, "RESOLVER_BURN_POLL_MS"),
    logLevel: env.RESOLVER_LOG_LEVEL ?? "info",
    trustedProxyHops: number(env.RESOLVER_TRUSTED_PROXY_HOPS, 0, "RESOLVER_TRUSTED_PROXY_HOPS"),
  };
  checkDisclosureBudget(config.limits);
  return config;
}
