import Fastify, { type FastifyInstance } from "fastify";
import type { AddressInfo } from "node:net";
import { wallClockSeconds } from "@medrec/sdk/resolver/protocol";
import { startBurnWatcher, type BurnWatcher } from "./burn-watcher";
import { connectResolverChain, type ResolverChain } from "./chain";
import { checkDisclosureBudget, type ResolverConfig } from "./config";
import { createResolverContext, type ResolverContext } from "./context";
import { openResolverDatabase, type ResolverDatabase, type StorageFaults } from "./database";
import { refuseDisclosureKeyInUse } from "./disclosures/key-in-use";
import type { NonceHighWater } from "./disclosures/sender";
import { installErrorHandlers } from "./error-handler";
import { installIpRateLimit } from "./ip-limit";
import { accessRoutes } from "./routes/access";
import { depositRoutes } from "./routes/deposit";
import { DEFAULT_BURN_MAX_LAG_MS, healthRoutes } from "./routes/health";
import { infoRoutes } from "./routes/info";

/** A resolver listening on HTTP. */
export interface RunningResolver {
  /** `http://host:port`. */
  url: string;
  app: FastifyInstance;
  chain: ResolverChain;
  database: ResolverDatabase;
  burns: BurnWatcher;
  /**
   * Graceful shutdown: stops accepting connections (new requests get 503 meanwhile), lets requests in flight
   * finish (a key release waits for its disclosure receipt at most `disclosureCloseWaitMs`, then is given up and
   * answered 503 `SHUTTING_DOWN`), stops the burn watcher, closes the database.
   * Idempotent.
   */
  close(): Promise<void>;
}

/**
 * The disclosure account's nonce high-water mark in the resolver's database (`meta`), per chain and account, so that a
 * restarted resolver takes the nonces an earlier run left unmined with no-ops before sending anything.
 */
function databaseHighWater(database: ResolverDatabase, chainId: bigint, account: string): NonceHighWater {
  const key = `disclosure-next-nonce:${chainId}:${account.toLowerCase()}`;
  return {
    load: async () => {
      const value = await database.getMeta(key);
      return value === undefined ? undefined : Number(value);
    },
    save: (nextNonce) => database.setMeta(key, String(nextNonce)),
  };
}

/** The `meta` key of the count of Disclosures without a release (`/healthz`), kept across restarts. */
const WITHOUT_RELEASE_KEY = "disclosures-without-release";

/** Options of {@link startResolver} that are not configuration. */
export interface StartResolverOptions {
  /** Where the JSON log lines go (default: stdout). */
  logStream?: NodeJS.WritableStream;
  /** Faults injected into the database's statements (tests: a full disk without filling one). */
  databaseFaults?: StorageFaults;
}

/** Log serializers: method, route and client of a request; never headers or bodies. */
const serializers = {
  req: (request: { method: string; url: string; ip?: string; routeOptions?: { url?: string } }) => ({
    method: request.method,
    route: request.routeOptions?.url ?? request.url.split("?")[0],
    ip: request.ip,
  }),
  res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
};

/** Options of {@link buildResolverApp} that are not the routes' context. */
export interface ResolverAppOptions {
  /** pino level (`silent` to mute). */
  logLevel: string;
  /** Where the JSON log lines go (default: stdout). */
  logStream?: NodeJS.WritableStream;
  /** The last block scanned for burns, for `/healthz`. */
  scannedBlock: () => number;
  /** When the burn scan last reached the head, for `/healthz`'s `burn-watcher` check (not run without it). */
  burnCaughtUpAt?: () => number | undefined;
  /** Bound of the burn watcher's lag, in ms (`/healthz`). */
  burnMaxLagMs?: number;
  /** Proxy hops trusted for the client address (see `ResolverConfig.trustedProxyHops`). */
  trustedProxyHops?: number;
}

/**
 * Builds the HTTP app over a ready context (no listening, no background work): JSON only, the limits of
 * `context.limits` on sizes, times and connections, the per-address rate limit, the error answers, and the route
 * plugins (`/healthz`, `/v1/info`, `/v1/access`, key deposits) registered with the context as their options. The
 * process ({@link startResolver}) and the tests build the app with this one function.
 * @param context Chain, database, identity, limits.
 * @param options Logging, the burn scan position for `/healthz`, trusted proxy hops.
 */
export function buildResolverApp(context: ResolverContext, options: ResolverAppOptions): FastifyInstance {
  const { limits } = context;
  const app = Fastify({
    logger: { level: options.logLevel, stream: options.logStream, serializers },
    bodyLimit: limits.bodyLimitBytes,
    return503OnClosing: true,
    // A client must send its headers within `headersTimeoutMs` of connecting and the whole request within
    // `requestTimeoutMs` (then 408 and the socket is closed): a slow-drip client cannot hold a socket open.
    // Connections are checked for it every second (Node's default is every 30 s). Answers may take longer (a key
    // release waits for its disclosure receipt); idle keep-alive sockets close after `keepAliveTimeoutMs`.
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Trust the nearest `trustedProxyHops` proxies for the client address; without hops the socket address is it.
    trustProxy: options.trustedProxyHops ? (_address: string, hop: number) => hop < options.trustedProxyHops! : false,
    // Unknown fields are refused, not silently dropped; strings are never coerced from numbers.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  // Beyond this many open connections, new ones are closed at once.
  app.server.maxConnections = limits.maxConnections;
  app.removeContentTypeParser("text/plain"); // JSON only: anything else is a 415
  installIpRateLimit(app, limits);
  installErrorHandlers(app);
  app.register(healthRoutes, {
    chain: context.chain,
    database: context.database,
    disclosures: context.disclosures,
    limits,
    scannedBlock: options.scannedBlock,
    burnCaughtUpAt: options.burnCaughtUpAt,
    burnMaxLagMs: options.burnMaxLagMs,
  });
  app.register(infoRoutes, { chain: context.chain, identity: context.identity });
  app.register(accessRoutes, context);
  app.register(depositRoutes, context);
  // Before the server waits for the requests in flight (which wait for their disclosures): the batcher's bounded
  // close answers every pending release within its `disclosureCloseWaitMs`, mined or SHUTTING_DOWN.
  app.addHook("preClose", async () => context.disclosures.close());
  app.addHook("onClose", async () => context.disclosures.close());
  return app;
}

/**
 * Starts a resolver: opens its database (refused when another process holds it: `ResolverDatabaseInUseError`),
 * connects to the chain, refuses a disclosure key another process is sending with (`DisclosureKeyInUseError`), starts
 * the burn watcher (catching up on burns missed while it was down) and listens on `config.host:config.port`.
 * @param config See {@link ResolverConfig}.
 * @param options Log destination.
 */
export async function startResolver(config: ResolverConfig, options: StartResolverOptions = {}): Promise<RunningResolver> {
  checkDisclosureBudget(config.limits);
  let repairLog: FastifyInstance["log"] | undefined;
  const database = await openResolverDatabase(config.databaseFile, { faults: options.databaseFaults });
  let burns: BurnWatcher | undefined;
  let app: FastifyInstance | undefined;
  try {
    let highWater: NonceHighWater | undefined;
    const chain = await connectResolverChain({
      rpcUrl: config.rpcUrl,
      consentManager: config.consentManager,
      recordToken: config.recordToken,
      signerPrivateKey: config.identity.signerPrivateKey,
      nonceCheckMs: config.limits.disclosureNonceCheckMs,
      nonceHighWater: (chainId) => (highWater = databaseHighWater(database, chainId, config.identity.address)),
      onNonceRepair: (report) => repairLog?.warn({ gap: report.gap, latest: report.latest, pending: report.pending, actions: report.actions }, "disclosure nonce gap repaired"),
      onForeignSender: (nonces, report) =>
        repairLog?.error(
          { foreignNonces: nonces, latest: report.latest, pending: report.pending },
          "another process sends with the disclosure key (a second copy of this resolver?): its transactions take this one's nonces; each copy needs its own key and database",
        ),
    });
    // The database is this process's (LOCKING_MODE); the disclosure key must be too.
    await refuseDisclosureKeyInUse(config.rpcUrl, config.identity.address, await highWater!.load());
    let batchLog: FastifyInstance["log"] | undefined;
    const context = createResolverContext(chain, database, config, {
      onBatch: (report) => batchLog?.info({ ...report, ms: Math.round(report.ms) }, "disclosure batch"),
      withoutRelease: {
        initial: Number((await database.getMeta(WITHOUT_RELEASE_KEY)) ?? 0),
        save: (total) =>
          void database.setMeta(WITHOUT_RELEASE_KEY, String(total)).catch((error: unknown) => batchLog?.warn({ err: { message: (error as Error).message }, total }, "count of Disclosures without release not saved")),
      },
    });
    let watcher: BurnWatcher | undefined;
    app = buildResolverApp(context, {
      logLevel: config.logLevel,
      logStream: options.logStream,
      scannedBlock: () => watcher?.scannedBlock() ?? -1,
      burnCaughtUpAt: () => watcher?.caughtUpAt(),
      // A scan runs every burnPollMs: ten missed polls, and at least DEFAULT_BURN_MAX_LAG_MS, is a stuck watcher.
      burnMaxLagMs: Math.max(DEFAULT_BURN_MAX_LAG_MS, 10 * config.burnPollMs),
      trustedProxyHops: config.trustedProxyHops,
    });
    const log = app.log;
    batchLog = log;
    repairLog = log;
    // Nonces an earlier run handed out and left unmined (its disclosures may sit in the pool, their clients gone after a
    // kill -9) are taken by no-ops now, not at this run's first release: the node could mine them any moment.
    const restart = await chain.account.resync().catch((error: unknown) => log.warn({ err: { message: (error as Error).message } }, "disclosure nonce check at start-up failed; it runs again before the first send"));
    if (restart && restart.actions.length > 0) log.warn({ actions: restart.actions, latest: restart.latest, pending: restart.pending }, "nonces an earlier run left unmined taken by no-ops");
    watcher = await startBurnWatcher({
      chain,
      database,
      startBlock: config.startBlock,
      pollMs: config.burnPollMs,
      onError: (error) => log.warn({ err: { message: (error as Error).message } }, "burn scan failed"),
      onShred: (tokenId, wraps) => log.info({ tokenId: tokenId.toString(), wrapsDeleted: wraps }, "record erased: key wraps shredded"),
    });
    burns = watcher;
    await watcher.scan();
    // While shutting down, answers say `connection: close`, so a keep-alive socket of a request in flight ends
    // with it instead of holding the close for fastify's 72 s keep-alive timeout.
    let shuttingDown = false;
    app.addHook("onSend", async (_request, reply) => {
      if (shuttingDown) reply.header("connection", "close");
    });
    const pruner = setInterval(() => void database.pruneNonces(wallClockSeconds()).catch(() => undefined), 60_000);
    pruner.unref();
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    let closing: Promise<void> | undefined;
    const running: RunningResolver = {
      url: `http://${host}:${address.port}`,
      app,
      chain,
      database,
      burns: watcher,
      close: () =>
        (closing ??= (async () => {
          clearInterval(pruner);
          shuttingDown = true;
          await app!.close();
          await watcher!.stop();
          chain.close();
          await database.close();
        })()),
    };
    return running;
  } catch (error) {
    await burns?.stop();
    await app?.close();
    await database.close();
    throw error;
  }
}
