import { Interface } from "ethers";
import { findRevertData } from "../chain/revert-data";
// The factories one by one: the index of the contract types loads every factory (start-up time).
import { ConsentManager__factory } from "../chain/contracts/factories/contracts/ConsentManager__factory";

const consentInterface = new Interface(ConsentManager__factory.abi);

/**
 * A readable form of a ConsentManager revert (`NotAuthorized(0x…)`, `InactiveGrantee(0x…)`), or undefined when the
 * error carries no revert data ConsentManager's ABI decodes. Errors carry addresses and numbers only.
 * @param error Whatever the provider threw for a call to ConsentManager.
 */
export function decodeConsentManagerRevert(error: unknown): string | undefined {
  const data = findRevertData(error);
  if (!data) return undefined;
  try {
    const parsed = consentInterface.parseError(data);
    return parsed ? `${parsed.name}(${parsed.args.map((arg: unknown) => String(arg)).join(", ")})` : undefined;
  } catch {
    return undefined;
  }
}
