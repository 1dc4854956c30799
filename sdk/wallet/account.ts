import { Interface, type Provider, type Signer, type TypedDataDomain } from "ethers";
// The factories one by one: the index of the contract types loads every factory (start-up time).
import { AccountFactoryBase__factory } from "../chain/contracts/factories/aa-wallets/base/AccountFactoryBase.sol/AccountFactoryBase__factory";
import { PatientAccountBase__factory } from "../chain/contracts/factories/aa-wallets/base/PatientAccountBase.sol/PatientAccountBase__factory";
import { CONSENT_TYPES, type Consent } from "../consent/typed-data";
import { signAaTransaction, type AaTransactionRequest } from "./transaction";
import type { AaTransactionResult, AaTransport } from "./transport";
import { sponsorParams, type PaymasterParams } from "./paymaster";
import { gasLimitFor } from "./gas";
import { TransactionRevertedError } from "./errors";

const accountInterface = new Interface(PatientAccountBase__factory.abi);
const factoryInterface = new Interface(AccountFactoryBase__factory.abi);

/** One call an account makes. */
export interface AccountCall {
  target: string;
  value?: bigint;
  data: string;
}

/** Where and how AA transactions are sent. */
export interface WalletContext {
  transport: AaTransport;
  /** For reads (predicted addresses, guardians). */
  provider: Provider;
  /** The SponsorPaymaster; transactions are sponsored when set. */
  paymaster?: string;
  /**
   * Gas limit per transaction. Unset (the default): each transaction is estimated by the transport and signed
   * with the estimate plus 20 % (`gasLimitFor`), so that the paymaster reserves close to what it uses.
   */
  gasLimit?: bigint;
}

/** A patient account and the key that controls it. */
export interface PatientWallet {
  address: string;
  owner: Signer;
}

/**
 * Fills in nonce, fee and gas limit (estimated unless `context.gasLimit` is set), signs `request` with `owner` and
 * submits it. Throws `TransactionWouldRevertError` when the estimate shows the execution would revert (nothing is
 * sent), {@link TransactionRevertedError} when the execution reverts once included, `TransactionRejectedError` when
 * the chain refuses it.
 */
async function signAndSubmit(
  context: WalletContext,
  owner: Signer,
  request: Pick<AaTransactionRequest, "from" | "to" | "data" | "value"> & { paymaster?: PaymasterParams },
  nonce?: bigint,
): Promise<AaTransactionResult> {
  const unsized = {
    ...request,
    chainId: await context.transport.chainId(),
    nonce: nonce ?? (await context.transport.nonceOf(request.from)),
    maxFeePerGas: await context.transport.gasPrice(),
  };
  const gasLimit = await gasLimitFor(context.transport, context.provider, unsized, context.gasLimit);
  const tx = await signAaTransaction(owner, { ...unsized, gasLimit });
  const result = await context.transport.submit(tx);
  if (result.status === "reverted") throw new TransactionRevertedError(result.hash, result.revertReason ?? "unknown");
  return result;
}

/**
 * Sends `calls` from the patient's account in one type-113 transaction (one call directly, several through
 * `executeBatch`, all or nothing), paid by the paymaster of `context` when set.
 * @param context Transport, provider and paymaster.
 * @param wallet The account and its owner key.
 * @param calls The calls, in order.
 * @param options `nonce`: the account nonce to sign with (a sender numbering its transactions itself); default the
 *   transport's `nonceOf` the account.
 */
export function sendSponsored(
  context: WalletContext,
  wallet: PatientWallet,
  calls: AccountCall[],
  options: { nonce?: bigint } = {},
): Promise<AaTransactionResult> {
  if (calls.length === 0) throw new RangeError("sendSponsored needs at least one call");
  const single = calls.length === 1 ? calls[0] : undefined;
  return signAndSubmit(context, wallet.owner, {
    from: wallet.address,
    to: single ? single.target : wallet.address,
    value: single?.value ?? 0n,
    data: single
      ? single.data
      : accountInterface.encodeFunctionData("executeBatch", [calls.map((c) => ({ target: c.target, value: c.value ?? 0n, data: c.data }))]),
    paymaster: context.paymaster ? sponsorParams(context.paymaster) : undefined,
  }, options.nonce);
}

/** Options of {@link createPatientAccount}. */
export interface CreateAccountOptions {
  /** The owner key (an EOA; it needs no ETH when a paymaster and a voucher are given). */
  owner: Signer;
  /** The AccountFactory. */
  factory: string;
  /** Distinguishes several accounts of one owner. */
  salt: string;
  /** The patient's X25519 public key; when set, the account registers as a patient in the same transaction. */
  encryptionKey?: string;
  /** The onboarding voucher from {@link signOnboardingVoucher} (needed for a sponsored deployment). */
  voucher?: string;
}

/**
 * Deploys the patient's account through the factory in one type-113 transaction sent by the owner key
 * (zkSync's default account), sponsored by the paymaster with an onboarding voucher, and registers it as a
 * patient when an encryption key is given.
 * @returns The account, at the factory's deterministic address for (owner, salt).
 */
export async function createPatientAccount(context: WalletContext, options: CreateAccountOptions): Promise<PatientWallet> {
  const owner = await options.owner.getAddress();
  const factory = AccountFactoryBase__factory.connect(options.factory, context.provider);
  const address = await factory.accountAddress(owner, options.salt);
  await signAndSubmit(context, options.owner, {
    from: owner,
    to: options.factory,
    value: 0n,
    data: factoryInterface.encodeFunctionData("createAccount", [owner, options.salt, options.encryptionKey ?? `0x${"00".repeat(32)}`]),
    paymaster: context.paymaster ? sponsorParams(context.paymaster, options.voucher ?? "0x") : undefined,
  });
  return { address, owner: options.owner };
}

/** Sets the account's guardians (first set at once; later changes after the account's time lock). */
export function setGuardians(context: WalletContext, wallet: PatientWallet, guardians: string[], threshold: number) {
  return sendSponsored(context, wallet, [
    { target: wallet.address, data: accountInterface.encodeFunctionData("proposeGuardians", [guardians, threshold]) },
  ]);
}

/**
 * The owner cancels every recovery proposal of its account at once (the account's recovery epoch ends; there may
 * be none). A sponsored self-call.
 */
export function cancelRecovery(context: WalletContext, wallet: PatientWallet) {
  return sendSponsored(context, wallet, [{ target: wallet.address, data: accountInterface.encodeFunctionData("cancelRecovery") }]);
}

/**
 * A guardian proposes `newOwner` for `account` and votes for it (an ordinary transaction of the guardian). Its
 * earlier vote, if any, moves here. Reverts `RecoveryAlreadyProposed` when a live proposal exists: approve it.
 * @param guardian The guardian's signer, connected to a provider.
 * @param account The patient account.
 * @param newOwner The owner key the guardian vouches for.
 */
export async function proposeRecovery(guardian: Signer, account: string, newOwner: string) {
  return (await PatientAccountBase__factory.connect(account, guardian).proposeRecovery(newOwner)).wait();
}

/**
 * A guardian votes for the live proposal of `account` towards `newOwner`, moving its earlier vote if any (this is
 * also how a guardian corrects a mistyped proposal of its own).
 * @param guardian The guardian's signer, connected to a provider.
 * @param account The patient account.
 * @param newOwner The proposed owner to approve.
 */
export async function approveRecovery(guardian: Signer, account: string, newOwner: string) {
  return (await PatientAccountBase__factory.connect(account, guardian).approveRecovery(newOwner)).wait();
}

/**
 * Anyone rotates the owner of `account` to `newOwner` once that proposal is scheduled, its 48 h delay has passed
 * and its execution window has not.
 * @param sender Pays the (ordinary) transaction.
 * @param account The patient account.
 * @param newOwner The scheduled proposal's new owner.
 */
export async function executeRecovery(sender: Signer, account: string, newOwner: string) {
  return (await PatientAccountBase__factory.connect(account, sender).executeRecovery(newOwner)).wait();
}

/**
 * Signs a consent whose patient is a smart account: the owner signs the EIP-712 digest and the account's
 * ERC-1271 `isValidSignature` vouches for it when ConsentManager checks it.
 * @param owner The account's owner key.
 * @param domain The ConsentManager domain (`consentDomain`).
 * @param consent The consent; `consent.patient` must be the account address.
 */
export function signConsentAsAccount(owner: Signer, domain: TypedDataDomain, consent: Consent): Promise<string> {
  return owner.signTypedData(domain, CONSENT_TYPES, consent);
}
