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

/** The longest record CID `RecordToken` accepts, in bytes (`RecordToken.MAX_CID_LENGTH`). */
export const MAX_CID_LENGTH = 128;
