/**
 * `sdk/resolver/protocol`: the resolver's protocol, the one definition both the client (`sdk/resolver`) and the
 * service (`resolver/`) use: route paths, request and response bodies, their JSON schemas, field limits, the
 * EIP-712 typed data of access requests and key deposits, and the error codes with their HTTP statuses and
 * categories. It imports no Node built-in (it is part of the browser-ready core).
 *
 * @module
 */
export * from "./routes";
export * from "./bodies";
export * from "./schemas";
export * from "./limits";
export * from "./typed-data";
export * from "./errors";
