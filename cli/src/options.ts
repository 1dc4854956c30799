/**
 * Parsers of command-line option values. They throw commander's `InvalidArgumentError`, which commander reports
 * as a usage error (exit code 2) naming the option. Never use one for a secret: commander repeats the value.
 *
 * @module
 */
import { InvalidArgumentError } from "commander";
import { getAddress, isAddress } from "ethers";
import { vocabulary } from "@medrec/sdk";

const { ALL_RECORDS, SCOPE_NAMES, Scope, isScopeName } = vocabulary;

/** An address (any case; checksummed when mixed case). */
export function parseAddress(value: string): string {
  if (!isAddress(value)) throw new InvalidArgumentError("not an Ethereum address (0x + 40 hex digits).");
  return getAddress(value);
}

/** A record token id: a positive decimal integer. */
export function parseTokenId(value: string): bigint {
  if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError("not a token id (a positive integer).");
  const id = BigInt(value);
  if (id === 0n || id >= ALL_RECORDS) throw new InvalidArgumentError("not a token id (a positive integer).");
  return id;
}

/** A token id, or `all` for every record of the patient (`ALL_RECORDS`). */
export function parseTokenOrAll(value: string): bigint {
  if (value.toLowerCase() === "all") return ALL_RECORDS;
  return parseTokenId(value);
}

/** A positive integer (e.g. `--concurrency`, `--days`). */
export function parsePositiveInt(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError("not a positive integer.");
  }
  return Number(value);
}

/** A comma-separated list of scope names (`READ,APPEND`) as the scope bit set. */
export function parseScopes(value: string): number {
  let bits = 0;
  for (const part of value.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean)) {
    if (!isScopeName(part)) throw new InvalidArgumentError(`unknown scope; use ${SCOPE_NAMES.join(", ")}.`);
    bits |= Scope[part];
  }
  if (bits === 0) throw new InvalidArgumentError(`no scope; use ${SCOPE_NAMES.join(", ")}.`);
  return bits;
}

/** A 32-byte public key as `0x` hex (64 hex digits; the `0x` is optional). */
export function parsePublicKey(value: string): `0x${string}` {
  const hex = value.startsWith("0x") || value.startsWith("0X") ? value.slice(2) : value;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new InvalidArgumentError("not a 32-byte X25519 public key (64 hex digits).");
  return `0x${hex.toLowerCase()}`;
}

/** An ISO 8601 date or date-time (e.g. `2025-01-31` or `2025-01-31T12:00:00Z`). */
export function parseIsoDate(value: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) throw new InvalidArgumentError("not an ISO 8601 date (e.g. 2025-01-31 or 2025-01-31T12:00:00Z).");
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError("not an ISO 8601 date (e.g. 2025-01-31 or 2025-01-31T12:00:00Z).");
  return date;
}
