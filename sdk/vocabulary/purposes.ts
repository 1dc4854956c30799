/**
 * Purpose-of-use codes (HL7 v3 PurposeOfUse / ActReason), as `contracts/libraries/Purposes.sol` defines them,
 * with their display names: one table, from which every other form is derived.
 *
 * @module
 */
import { encodeBytes32String } from "ethers";

/** Each purpose `Purposes.sol` defines: its HL7 v3 code and the code's display. Keys are the library's names. */
export const PURPOSES = {
  TREATMENT: { code: "TREAT", display: "treatment" },
  PAYMENT: { code: "HPAYMT", display: "healthcare payment" },
  OPERATIONS: { code: "HOPERAT", display: "healthcare operations" },
  RESEARCH: { code: "HRESCH", display: "healthcare research" },
  EMERGENCY: { code: "ETREAT", display: "Emergency Treatment" },
} as const;

/** The library name of a purpose (`TREATMENT`, …). */
export type PurposeName = keyof typeof PURPOSES;

/** An HL7 v3 purpose code medrec defines (`TREAT`, …). */
export type PurposeCode = (typeof PURPOSES)[PurposeName]["code"];

const NAMES = Object.keys(PURPOSES) as PurposeName[];

/**
 * The purposes as `ConsentManager` stores them: left-aligned ASCII in a bytes32 (at most 22 characters),
 * by library name (`Purpose.TREATMENT`).
 */
export const Purpose = Object.freeze(
  Object.fromEntries(NAMES.map((name) => [name, encodeBytes32String(PURPOSES[name].code)])) as Record<PurposeName, string>,
);

/** The HL7 v3 ActReason display of each purpose code (`TREAT` → `treatment`). */
export const PURPOSE_DISPLAY: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(NAMES.map((name) => [PURPOSES[name].code, PURPOSES[name].display])),
);

/**
 * The purpose `ConsentManager` stores for every emergency grant (`Purposes.EMERGENCY`); also the purpose of
 * naming an emergency delegate. A consent never carries it.
 */
export const EMERGENCY_PURPOSE = PURPOSES.EMERGENCY.code;

/** The purposes a consent may name: every purpose but the emergency one (which is for break-glass only). */
export const CONSENT_PURPOSES = [PURPOSES.TREATMENT.code, PURPOSES.PAYMENT.code, PURPOSES.OPERATIONS.code, PURPOSES.RESEARCH.code] as const;

/** A purpose a consent may name. */
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];
