/**
 * How every failure of the resolver is answered: a JSON `ErrorBody` with the code's HTTP status, whether a route
 * refused, fastify refused the request (schema, size, media type, no such route) or something broke.
 *
 * @module
 */
import type { FastifyError, FastifyInstance } from "fastify";
import { RESOLVER_ERRORS, errorBody, type ResolverErrorCode } from "@medrec/sdk/resolver/protocol";
import { isNodeUnreachable } from "@medrec/sdk/chain";
import { ResolverHttpError, chainUnavailable, isMissingContract, isStorageFailure, storageUnavailable } from "./errors";

/** A failure as it is answered: its code, the message sent, and extra headers. */
interface Refusal {
  code: ResolverErrorCode;
  message: string;
  headers: Record<string, string>;
}

/** The refusal of a request fastify turned away, or `undefined` when fastify did not. */
function fastifyRefusal(error: FastifyError): Refusal | undefined {
  if (error.validation) return { code: "INVALID_REQUEST", message: error.message, headers: {} };
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { code: "PAYLOAD_TOO_LARGE", message: "the request body is too large", headers: {} };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { code: "UNSUPPORTED_MEDIA_TYPE", message: "send application/json", headers: {} };
  }
  return undefined;
}

/**
 * Maps any error to the refusal it is answered with: the route's own ({@link ResolverHttpError}), fastify's
 * (schema → `INVALID_REQUEST`, size → `PAYLOAD_TOO_LARGE`, media type → `UNSUPPORTED_MEDIA_TYPE`, any other 4xx →
 * `INVALID_REQUEST`), the chain's node not answering or the contracts missing on it (`CHAIN_UNAVAILABLE`, retryable),
 * the database failing (SQLite full, I/O error, read-only, cannot open, busy: `STORAGE_UNAVAILABLE`, retryable), or
 * else `INTERNAL`, whose message tells nothing of the cause.
 * @param error Anything a route or fastify threw.
 */
export function refusalOf(error: FastifyError | Error): Refusal {
  if (error instanceof ResolverHttpError) return { code: error.code, message: error.message, headers: error.headers };
  const fastifyError = error as FastifyError;
  const refused = fastifyRefusal(fastifyError);
  if (refused) return refused;
  // The chain's node being unreachable (rather than a fault of this service): retryable.
  if (isNodeUnreachable(error)) {
    const unavailable = chainUnavailable("the chain's node does not answer; nothing was released");
    return { code: unavailable.code, message: unavailable.message, headers: unavailable.headers };
  }
  if (isMissingContract(error)) {
    const unavailable = chainUnavailable("the chain's node answers but the resolver's contracts have no code there; nothing was released");
    return { code: unavailable.code, message: unavailable.message, headers: unavailable.headers };
  }
  if (isStorageFailure(error)) {
    const unavailable = storageUnavailable(error);
    return { code: unavailable.code, message: unavailable.message, headers: unavailable.headers };
  }
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return { code: "INVALID_REQUEST", message: fastifyError.message, headers: {} };
  }
  return { code: "INTERNAL", message: "internal error; nothing was released", headers: {} };
}

/**
 * Answers every error of `app` (and of the plugins registered after) with {@link refusalOf}, and unknown routes
 * with 404 `NOT_FOUND`. Server-side failures (5xx) are logged with the error's type and message, never a body.
 * @param app The root instance, before the route plugins are registered.
 */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { code, message, headers } = refusalOf(error);
    const { status } = RESOLVER_ERRORS[code];
    if (status >= 500) request.log.error({ code, err: { type: error.name, message: error.message } }, "request failed");
    return reply.code(status).headers(headers).send(errorBody(code, message));
  });
  app.setNotFoundHandler((_request, reply) => reply.code(RESOLVER_ERRORS.NOT_FOUND.status).send(errorBody("NOT_FOUND", "no such route")));
}
