/**
 * The caps and durations the contracts enforce (`ConsentManager`, `RecordToken`), in the SDK's units.
 *
 * @module
 */

/** The longest emergency access one call may open, in seconds (`ConsentManager.MAX_EMERGENCY_DURATION`, 24 h). */
export const MAX_EMERGENCY_DURATION_SECONDS = 86_400;

/** The window over which emergency access to one (token, grantee) is metered, in seconds (`ConsentManager.EMERGENCY_WINDOW`, 7 days). */
export const EMERGENCY_WINDOW_SECONDS = 604_800;

/** The most emergency access one (token, grantee) may get per window, in seconds (`ConsentManager.MAX_EMERGENCY_PER_WINDOW`, 72 h). */
export const MAX_EMERGENCY_PER_WINDOW_SECONDS = 259_200;

/** The latest expiry a consent may carry, in Unix seconds (`ConsentManager.MAX_EXPIRY`, 2⁴⁰−1). */
export const MAX_EXPIRY = (1n << 40n) - 1n;

/**
 * The multicodec of a raw CID (`RecordToken.RAW_CODEC`, 0x55): such a CID addresses the ciphertext itself, so its
 * digest is the ciphertext's SHA-256 and RecordToken stores it once. RecordToken accepts CIDv1 with a sha2-256
 * multihash of any codec.
 */
export const RAW_CID_CODEC = 0x55;
