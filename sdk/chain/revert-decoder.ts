import { Interface, type ErrorDescription, type InterfaceAbi } from "ethers";
import { ALL_RECORDS } from "../vocabulary";

/** A contract whose custom errors a decoder knows. */
export interface ErrorSource {
  name: string;
  abi: InterfaceAbi;
}

/** A decoded revert: which contract (when it can be told), the error's name and its arguments as text. */
export interface DecodedRevert {
  contract: string | null;
  error: string;
  args: string[];
}

const STANDARD_ERRORS = Interface.from(["error Error(string)", "error Panic(uint256)"]);

/**
 * A revert decoder over the custom errors of `sources`, `Error(string)` and `Panic(uint256)`.
 * @param sources The contracts (name and ABI) whose errors it knows.
 * @returns `decode(data, calledName?)`: the decoded revert, or `null` when the data matches no known error.
 *   `calledName` names the contract that was called; it settles which contract an error shared by several is
 *   attributed to (otherwise such an error has `contract: null`).
 */
export function revertDecoder(sources: readonly ErrorSource[]): (data: string, calledName?: string) => DecodedRevert | null {
  const interfaces = sources.map(({ name, abi }) => ({ name: name as string | null, iface: new Interface(abi) }));
  return (data, calledName) => {
    if (!/^0x[0-9a-fA-F]{8}/.test(data)) return null;
    const matches: { name: string | null; parsed: ErrorDescription }[] = [];
    for (const { name, iface } of [{ name: null as string | null, iface: STANDARD_ERRORS }, ...interfaces]) {
      let parsed: ErrorDescription | null = null;
      try {
        parsed = iface.parseError(data);
      } catch {
        parsed = null;
      }
      if (parsed) matches.push({ name, parsed });
    }
    if (matches.length === 0) return null;
    const chosen = matches.find((m) => m.name !== null && m.name === calledName) ?? matches[0];
    const owners = new Set(matches.map((m) => m.name));
    const contract = chosen.name !== null && (owners.size === 1 || chosen.name === calledName) ? chosen.name : null;
    return { contract, error: chosen.parsed.name, args: chosen.parsed.args.map((arg: unknown) => formatRevertArg(arg)) };
  };
}

/** `Name(arg, …)` of a decoded revert. */
export function formatRevert(decoded: DecodedRevert): string {
  return `${decoded.error}(${decoded.args.join(", ")})`;
}

/** An error argument as text: decimal integers (`ALL_RECORDS` by name), arrays in brackets, the rest as is. */
function formatRevertArg(value: unknown): string {
  if (typeof value === "bigint") return value === ALL_RECORDS ? "ALL_RECORDS" : value.toString(10);
  if (Array.isArray(value)) return `[${value.map(formatRevertArg).join(", ")}]`;
  return String(value);
}
