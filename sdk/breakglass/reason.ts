import { keccak256, toUtf8Bytes } from "ethers";
import { MAX_EMERGENCY_DURATION_SECONDS } from "../vocabulary";
import { BreakGlassError } from "./errors";

/**
 * The on-chain reason hash of an emergency access: keccak256 of the UTF-8 bytes of `reason`, exactly as given.
 * The reason text itself stays off-chain (it may describe the patient's condition): keep it in the hospital's
 * incident record and never log it.
 * @param reason Why emergency access is needed; must not be blank.
 * @throws {@link BreakGlassError} `MISSING_REASON` when `reason` is empty or only whitespace.
 */
export function emergencyReasonHash(reason: string): string {
  if (typeof reason !== "string" || reason.trim().length === 0) {
    throw new BreakGlassError("MISSING_REASON", "an emergency access needs a non-empty reason");
  }
  return keccak256(toUtf8Bytes(reason));
}

/**
 * Checks an emergency duration before anything is sent.
 * @param seconds A whole number of seconds, 1..{@link MAX_EMERGENCY_DURATION_SECONDS}.
 * @returns The duration as a bigint.
 * @throws {@link BreakGlassError} `INVALID_DURATION` otherwise.
 */
export function emergencyDuration(seconds: number | bigint): bigint {
  const valid =
    typeof seconds === "bigint" ? true : typeof seconds === "number" && Number.isSafeInteger(seconds);
  if (!valid || BigInt(seconds) < 1n || BigInt(seconds) > BigInt(MAX_EMERGENCY_DURATION_SECONDS)) {
    throw new BreakGlassError(
      "INVALID_DURATION",
      `emergency duration must be 1..${MAX_EMERGENCY_DURATION_SECONDS} whole seconds, got ${String(seconds)}`,
    );
  }
  return BigInt(seconds);
}
