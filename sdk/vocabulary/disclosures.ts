/**
 * The verdicts on a disclosure request, as `ConsentManager` numbers them.
 *
 * @module
 */

/**
 * What `ConsentManager.checkDisclosures` answers and `DisclosureRefused` gives as reason, per request
 * (`DISCLOSURE_ALLOWED`, `DISCLOSURE_ERASED`, `DISCLOSURE_DENIED`).
 */
export const DisclosureStatus = {
  /** READ for the purpose holds now. */
  ALLOWED: 0,
  /** The record is erased or was never minted. */
  ERASED: 1,
  /** No READ access for the purpose. */
  DENIED: 2,
} as const;
