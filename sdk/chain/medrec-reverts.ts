/**
 * The custom errors of the medrec core contracts, for decoding reverts: `decodeMedrecRevert(data, contract?)` names
 * the error and its arguments (addresses, ids and codes; never health data).
 *
 * @module
 */
// The factories one by one: the index of the contract types loads every factory (start-up time of the CLI).
import { ConsentManager__factory } from "./contracts/factories/contracts/ConsentManager__factory";
import { PatientRegistry__factory } from "./contracts/factories/contracts/PatientRegistry__factory";
import { ProviderRegistry__factory } from "./contracts/factories/contracts/ProviderRegistry__factory";
import { RecordToken__factory } from "./contracts/factories/contracts/RecordToken__factory";
import { revertDecoder, type DecodedRevert, type ErrorSource } from "./revert-decoder";

/** The four core contracts, by name, with their ABIs. */
export const MEDREC_ERROR_SOURCES: readonly ErrorSource[] = Object.freeze([
  { name: "PatientRegistry", abi: PatientRegistry__factory.abi },
  { name: "ProviderRegistry", abi: ProviderRegistry__factory.abi },
  { name: "ConsentManager", abi: ConsentManager__factory.abi },
  { name: "RecordToken", abi: RecordToken__factory.abi },
]);

const decode = revertDecoder(MEDREC_ERROR_SOURCES);

/**
 * Decodes revert data with the ABIs of the medrec contracts (custom errors), `Error(string)` and `Panic(uint256)`.
 * @param data The revert data, hex.
 * @param contract The name of the contract called, when known: picks it when several declare the error.
 * @returns The decoded revert, or `null` when the data matches none.
 */
export function decodeMedrecRevert(data: string, contract?: string): DecodedRevert | null {
  return decode(data, contract);
}
