import type { Provider } from "ethers";
import type { AaTransactionRequest } from "./transaction";
import type { AaTransport } from "./transport";
import { sponsoredGasBound } from "./paymaster";

/** The gas limit signed is the estimate plus this share of it (percent): room for state that moves meanwhile. */
export const GAS_ESTIMATE_HEADROOM_PERCENT = 20n;
/**
 * The most gas an unsponsored transaction is estimated with. The offline driver estimates as if the sender could
 * pay for it; the submission then checks the real balance against the limit signed.
 */
export const MAX_ESTIMATION_GAS = 30_000_000n;

/** A transaction ready to be signed, but for its gas limit. */
export type UnsizedAaTransaction = Omit<AaTransactionRequest, "gasLimit">;

/**
 * The gas limit to sign `request` with: `override` when given; otherwise the transport's estimate plus
 * {@link GAS_ESTIMATE_HEADROOM_PERCENT}, estimated with, and capped at, the most the payer can cover — the
 * paymaster's {@link sponsoredGasBound} for the sender when sponsored, {@link MAX_ESTIMATION_GAS} otherwise. A paymaster reserves the gas limit against the sender's daily quota, so
 * a close limit leaves the quota for the transactions that follow.
 * @param transport Estimates.
 * @param provider Reads the paymaster and balances.
 * @param request The transaction; its `paymaster` decides who pays.
 * @param override An explicit gas limit (no estimate).
 */
export async function gasLimitFor(transport: AaTransport, provider: Provider, request: UnsizedAaTransaction, override?: bigint): Promise<bigint> {
  if (override !== undefined) return override;
  const bound = request.paymaster
    ? await sponsoredGasBound(provider, request.paymaster.address, request.from, request.maxFeePerGas)
    : MAX_ESTIMATION_GAS;
  const estimate = await transport.estimateGas({ ...request, gasLimit: bound });
  const limit = estimate + (estimate * GAS_ESTIMATE_HEADROOM_PERCENT) / 100n;
  return limit < bound ? limit : bound;
}
