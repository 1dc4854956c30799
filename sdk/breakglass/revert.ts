import { Interface, isHexString } from "ethers";
import { ConsentManager__factory } from "../../typechain-types";

const consentInterface = new Interface(ConsentManager__factory.abi);

/** The first 0x-hex `data` found on an error or its causes (ethers, viem and JSON-RPC error shapes). */
function revertData(error: unknown, depth = 0): string | undefined {
  if (depth > 8 || error === null || typeof error !== "object") return undefined;
  const record = error as { data?: unknown; cause?: unknown; error?: unknown; info?: unknown };
  if (typeof record.data === "string" && isHexString(record.data) && record.data.length >= 10) return record.data;
  for (const next of [record.data, record.cause, record.error, record.info]) {
    const found = revertData(next, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * A readable form of a ConsentManager revert (`NotAuthorized(0x…)`, `InactiveGrantee(0x…)`), or undefined when the
 * error carries no revert data ConsentManager's ABI decodes. Errors carry addresses and numbers only.
 * @param error Whatever the provider threw for a call to ConsentManager.
 */
export function decodeConsentManagerRevert(error: unknown): string | undefined {
  const data = revertData(error);
  if (!data) return undefined;
  try {
    const parsed = consentInterface.parseError(data);
    return parsed ? `${parsed.name}(${parsed.args.map((arg: unknown) => String(arg)).join(", ")})` : undefined;
  } catch {
    return undefined;
  }
}
