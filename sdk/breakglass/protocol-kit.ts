import type Safe from "@safe-global/protocol-kit";

/** protocol-kit's `Safe` class (the type; the value is loaded on first use by {@link loadSafe}). */
export type ProtocolKitSafe = Safe;

/**
 * protocol-kit's `Safe` class, loaded on first use: it pulls in viem (about 0.4 s), which SDK users who never
 * touch break-glass should not pay for when they import the SDK.
 */
export async function loadSafe(): Promise<typeof Safe> {
  return (await import("@safe-global/protocol-kit")).default;
}
