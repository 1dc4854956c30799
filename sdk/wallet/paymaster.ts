import { AbiCoder, hexlify, randomBytes, toBigInt, type Provider, type Signer, type TypedDataField } from "ethers";
import { utils } from "zksync-ethers";
// The factories one by one: the index of the contract types loads every factory (start-up time).
import { SponsorPaymaster__factory } from "../chain/contracts/factories/aa-wallets/SponsorPaymaster.sol/SponsorPaymaster__factory";

/**
 * EIP-712 types of the paymaster's onboarding voucher. Each voucher carries a nonce the paymaster spends when it
 * sponsors the onboarding: a voucher deploys one account, once. It is not bound to the salt (the sender picks
 * it); the voucher names the owner key that sends the onboarding, which must be the new account's owner.
 */
export const ONBOARDING_TYPES: Record<string, TypedDataField[]> = {
  Onboarding: [
    { name: "sender", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "validUntil", type: "uint64" },
  ],
};

/** What a sponsored transaction carries in its `paymaster` field. */
export interface PaymasterParams {
  address: string;
  input: string;
}

/**
 * Paymaster parameters for the general flow (`utils.getPaymasterParams` of zksync-ethers).
 * @param paymaster The SponsorPaymaster address.
 * @param innerInput The flow's inner input: empty for patient accounts, a voucher for onboarding.
 */
export function sponsorParams(paymaster: string, innerInput: string = "0x"): PaymasterParams {
  const params = utils.getPaymasterParams(paymaster, { type: "General", innerInput });
  return { address: params.paymaster, input: hexlify(params.paymasterInput) };
}

/** A random 128-bit voucher nonce (collisions are out of reach; the paymaster refuses a spent nonce anyway). */
export function randomVoucherNonce(): bigint {
  return toBigInt(randomBytes(16));
}

/**
 * Signs a one-time onboarding voucher: lets `sender` (a new patient's owner key, holding no ETH) have one account
 * deployed at the paymaster's expense until `validUntil`.
 * @param voucherSigner The paymaster's onboarding signer (a medrec service key).
 * @param paymaster The SponsorPaymaster address.
 * @param chainId The chain.
 * @param sender The owner key that will send the onboarding transaction.
 * @param validUntil Unix time after which the voucher is refused.
 * @param nonce Spent by the paymaster when it sponsors the onboarding; {@link randomVoucherNonce} by default.
 * @returns The general flow's inner input: `abi.encode(uint256 nonce, uint64 validUntil, bytes signature)`.
 */
export async function signOnboardingVoucher(
  voucherSigner: Signer,
  paymaster: string,
  chainId: bigint,
  sender: string,
  validUntil: bigint,
  nonce: bigint = randomVoucherNonce(),
): Promise<string> {
  const domain = { name: "medrec SponsorPaymaster", version: "1", chainId, verifyingContract: paymaster };
  const signature = await voucherSigner.signTypedData(domain, ONBOARDING_TYPES, { sender, nonce, validUntil });
  return AbiCoder.defaultAbiCoder().encode(["uint256", "uint64", "bytes"], [nonce, validUntil, signature]);
}

/**
 * The most gas the paymaster would sponsor for `sender` now at `maxFeePerGas`: the sender's remaining daily
 * quota, and no more than what is left of the day's spend cap or of the paymaster's balance pays for.
 * @param provider For the reads.
 * @param paymaster The SponsorPaymaster address.
 * @param sender The transaction's sender.
 * @param maxFeePerGas The fee per gas the transaction will carry.
 */
export async function sponsoredGasBound(provider: Provider, paymaster: string, sender: string, maxFeePerGas: bigint): Promise<bigint> {
  const contract = SponsorPaymaster__factory.connect(paymaster, provider);
  const [quota, spend, balance] = await Promise.all([contract.quotaOf(sender), contract.dailySpend(), provider.getBalance(paymaster)]);
  let bound = quota.remaining;
  if (maxFeePerGas > 0n) {
    for (const wei of [spend.remaining, balance]) if (wei / maxFeePerGas < bound) bound = wei / maxFeePerGas;
  }
  return bound;
}
