import { encodeBytes32String } from "ethers";

/**
 * Purpose-of-use codes (HL7 v3 PurposeOfUse) as `ConsentManager` stores them: left-aligned ASCII in a
 * bytes32, at most 22 characters.
 */
export const Purpose = {
  TREATMENT: encodeBytes32String("TREAT"),
  PAYMENT: encodeBytes32String("HPAYMT"),
  OPERATIONS: encodeBytes32String("HOPERAT"),
  RESEARCH: encodeBytes32String("HRESCH"),
  EMERGENCY: encodeBytes32String("ETREAT"),
} as const;
