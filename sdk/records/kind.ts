/**
 * The record kind as the chain holds it (a bytes32, `encodeBytes32String` of `"Observation"`, …), as text.
 * Kept apart from the read path so that light callers (the CLI's `record list`) do not load the FHIR code.
 *
 * @module
 */
import { getBytes } from "ethers";

/** The text of an on-chain bytes32 record kind (`"Observation"`), or the hex itself when it is not UTF-8 text. */
export function recordKindText(recordKind: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(getBytes(recordKind)).replace(/\0+$/, "");
  } catch {
    return recordKind;
  }
}
