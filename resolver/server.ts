import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { AddressInfo } from "node:net";
import { isNodeUnreachable } from "../sdk/chain/unreachable";
import { resolverDomain, wallClockSeconds } from "../sdk/resolver/typed-data";
import { startBurnWatcher, type BurnWatcher } from "./burn-watcher";
import { connectResolverChain, type ResolverChain } from "./chain";
import type { ResolverConfig } from "./config";
import type { ResolverContext } from "./context";
import { openResolverDatabase, type ResolverDatabase } from "./database";
import { ResolverHttpError } from "./errors";
import { createRateLimiter } from "./rate-limiter";
import { createContractSignatureChecker } from "./signature";
import { registerAccessRoute } from "./routes/access";
import { registerDepositRoute } from "./routes/deposit";
import { registerHealthRoutes } from "./routes/health";

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
   * finish (a key release waits for its disclosure receipt), stops the burn watcher, closes the database.
   * Idempotent.
   */
  close(): Promise<void>;
}

/** Options of {@link startResolver} that are not configuration. */
export interface StartResolverOptions {
  /** Where the JSON log lines go (default: stdout). */
  logStream?: NodeJS.WritableStream;
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

/** Maps any error to `{"error": {"code", "message"}}` with a 4xx/5xx status. */
function errorResponse(error: FastifyError | ResolverHttpError | Error): { status: number; code: string; message: string; headers: Record<string, string> } {
  if (error instanceof ResolverHttpError) return { status: error.status, code: error.code, message: error.message, headers: error.headers };
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return { status: 400, code: "INVALID_REQUEST", message: fastifyError.message, headers: {} };
  switch (fastifyError.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { status: 413, code: "PAYLOAD_TOO_LARGE", message: "the request body is too large", headers: {} };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: "send application/json", headers: {} };
  }
  // The chain's node being unreachable (rather than a fault of this service): retryable.
  if (isNodeUnreachable(error)) {
    return { status: 503, code: "CHAIN_UNAVAILABLE", message: "the chain's node does not answer; nothing was released", headers: { "retry-after": "5" } };
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { status: fastifyError.statusCode, code: "INVALID_REQUEST", message: fastifyError.message, headers: {} };
  }
  return { status: 500, code: "INTERNAL", message: "internal error; nothing was released", headers: {} };
}

/**
 * Builds the HTTP app over a ready context (no listening, no background work).
 * @param context Chain, database, identity, limits.
 * @param options Logging and the burn scan position for `/healthz`.
 */
export function buildResolverApp(
  context: ResolverContext,
  options: { logLevel: string; logStream?: NodeJS.WritableStream; scannedBlock: () => number; trustedProxyHops?: number },
): FastifyInstance {
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
  const perIp = createRateLimiter({ perMinute: limits.perIpPerMinute });
  // /healthz has its own bucket, so that monitoring and clients behind one address do not starve each other.
  const healthPerIp = createRateLimiter({ perMinute: limits.healthPerIpPerMinute });
  app.addHook("onRequest", async (request, reply) => {
    const limiter = request.routeOptions.url === "/healthz" ? healthPerIp : perIp;
    const decision = limiter.take(request.ip);
    if (!decision.allowed) {
      return reply
        .code(429)
        .header("retry-after", String(decision.retryAfterSeconds))
        .send({ error: { code: "RATE_LIMITED", message: "too many requests from this address" } });
    }
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const response = errorResponse(error);
    if (response.status >= 500) request.log.error({ code: response.code, err: { type: error.name, message: error.message } }, "request failed");
    return reply.code(response.status).headers(response.headers).send({ error: { code: response.code, message: response.message } });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: { code: "NOT_FOUND", message: "no such route" } }));
  registerHealthRoutes(app, context, options.scannedBlock);
  registerAccessRoute(app, context);
  registerDepositRoute(app, context);
  return app;
}

/**
 * Starts a resolver: opens its database, connects to the chain, starts the burn watcher (catching up on burns
 * missed while it was down) and listens on `config.host:config.port`.
 * @param config See {@link ResolverConfig}.
 * @param options Log destination.
 */
export async function startResolver(config: ResolverConfig, options: StartResolverOptions = {}): Promise<RunningResolver> {
  const database = await openResolverDatabase(config.databaseFile);
  let burns: BurnWatcher | undefined;
  let app: FastifyInstance | undefined;
  try {
    const chain = await connectResolverChain({
      rpcUrl: config.rpcUrl,
      consentManager: config.consentManager,
      recordToken: config.recordToken,
      signerPrivateKey: config.identity.signerPrivateKey,
    });
    const context: ResolverContext = {
      chain,
      database,
      identity: config.identity,
      domain: resolverDomain(chain.chainId, config.consentManager),
      limits: config.limits,
      perRequester: createRateLimiter({ perMinute: config.limits.perRequesterPerMinute }),
      contractSignatures: createContractSignatureChecker(chain.provider, {
        gas: config.limits.signatureCheckGas,
        timeoutMs: config.limits.signatureCheckTimeoutMs,
      }),
    };
    let watcher: BurnWatcher | undefined;
    app = buildResolverApp(context, {
      logLevel: config.logLevel,
      logStream: options.logStream,
      scannedBlock: () => watcher?.scannedBlock() ?? -1,
      trustedProxyHops: config.trustedProxyHops,
    });
    const log = app.log;
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
          chain.provider.destroy();
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
