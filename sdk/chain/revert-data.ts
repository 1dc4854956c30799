/**
 * The revert data carried by an error thrown for a failed call or transaction: the first `0x` hex `data` of at
 * least a 4-byte selector found on the error or nested in its `data`, `error`, `info`, `cause` or `revert`
 * (the shapes of ethers, viem and raw JSON-RPC errors). `null` when there is none.
 * @param error Whatever a provider or contract call threw.
 */
export function findRevertData(error: unknown, depth = 0): string | null {
  if (depth > 8 || error === null || typeof error !== "object") return null;
  const record = error as Record<string, unknown>;
  if (typeof record.data === "string" && /^0x[0-9a-fA-F]{8}/.test(record.data)) return record.data;
  for (const key of ["data", "error", "info", "cause", "revert"]) {
    const found = findRevertData(record[key], depth + 1);
    if (found) return found;
  }
  return null;
}
