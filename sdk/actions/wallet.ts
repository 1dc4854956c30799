/**
 * Wallet actions: register the acting account as a patient (an EOA or a smart account); and of zkSync native
 * accounts: create a patient's account (sponsored, registered in the same transaction), send sponsored calls from
 * it, set its guardians, cancel a recovery; and the guardians' side: propose, approve and execute a recovery.
 *
 * @module
 */
import type { Signer } from "ethers";
import { requireAccount, ClientConfigError, type MedrecClient } from "../client/client";
import { smartAccount, type SmartAccount } from "../client/account";
import type { AaTransport, AaTransactionResult } from "../wallet/transport";
import {
  approveRecovery as approveRecoveryAs,
  cancelRecovery as cancelRecoveryOf,
  createPatientAccount,
  executeRecovery as executeRecoveryAs,
  proposeRecovery as proposeRecoveryAs,
  sendSponsored,
  setGuardians as setGuardiansOf,
  type AccountCall,
} from "../wallet/account";
import { PatientKeyDiffersError } from "../wallet/errors";
import { requireSmartAccount, walletOf } from "./context";

/** What {@link registerPatient} did. */
export interface RegisteredPatient {
  /** The registration transaction; `null` when the account was already registered with this key. */
  transactionHash: string | null;
  /** The patient's did:pkh, as the registry has it. */
  did: string;
}

/**
 * Registers the acting account as a patient with its X25519 public key (`PatientRegistry.register`): an EOA sends
 * it (and pays the gas), a smart account sends it as a sponsored AA call. Registering again with the same key does
 * nothing.
 * @param params `encryptionKey`: the X25519 public key, hex (32 bytes).
 * @throws {@link PatientKeyDiffersError} when the account is registered with another key.
 */
export async function registerPatient(client: MedrecClient, params: { encryptionKey: string }): Promise<RegisteredPatient> {
  const account = requireAccount(client, "wallet.registerPatient");
  const registry = client.contracts.patientRegistry;
  if (await registry.isPatient(account.address)) {
    const registered = (await registry.encryptionKeyOf(account.address)).toLowerCase();
    if (registered !== params.encryptionKey.toLowerCase()) throw new PatientKeyDiffersError(account.address, registered);
    return { transactionHash: null, did: await registry.didOf(account.address) };
  }
  let transactionHash: string;
  if (account.kind === "eoa") {
    transactionHash = (await (await registry.connect(account.signer).register(params.encryptionKey)).wait())!.hash;
  } else {
    const { context, wallet } = walletOf(client, account);
    const data = registry.interface.encodeFunctionData("register", [params.encryptionKey]);
    transactionHash = (await sendSponsored(context, wallet, [{ target: client.addresses.PatientRegistry, data }])).hash;
  }
  return { transactionHash, did: await registry.didOf(account.address) };
}

/** Parameters of {@link createAccount}. */
export interface CreateAccountParams {
  /** The owner key (needs no ETH: the paymaster pays, against the voucher). */
  owner: Signer;
  /** Where AA transactions go (a zkSync node, or the local chain's bootloader driver). */
  transport: AaTransport;
  /** Distinguishes several accounts of one owner (bytes32 hex). */
  salt: string;
  /** The patient's X25519 public key (hex): the account registers as a patient in the same transaction. */
  encryptionKey?: string;
  /** The operator's onboarding voucher (`wallet.signOnboardingVoucher`). */
  voucher?: string;
}

/**
 * Deploys a patient's account through the deployment's AccountFactory, sponsored by its paymaster.
 * @returns The account, to act as (`withAccount(client, account)`).
 * @throws ClientConfigError when the deployment has no AA contracts.
 */
export async function createAccount(client: MedrecClient, params: CreateAccountParams): Promise<SmartAccount> {
  const wallets = client.deployment.wallets;
  if (wallets === undefined) throw new ClientConfigError("wallet.createAccount", "deployment with AA wallets");
  const created = await createPatientAccount(
    { transport: params.transport, provider: client.provider, paymaster: wallets.SponsorPaymaster.address },
    { owner: params.owner, factory: wallets.AccountFactory.address, salt: params.salt, encryptionKey: params.encryptionKey, voucher: params.voucher },
  );
  return smartAccount({ address: created.address, owner: params.owner, transport: params.transport });
}

/** Sends calls from the acting smart account in one AA transaction (sponsored unless the account says otherwise). */
export function send(client: MedrecClient, params: { calls: AccountCall[] }): Promise<AaTransactionResult> {
  const { context, wallet } = requireSmartAccount(client, "wallet.send");
  return sendSponsored(context, wallet, params.calls);
}

/** Sets the acting account's guardians and threshold (the first set at once; later changes after the time lock). */
export function setGuardians(client: MedrecClient, params: { guardians: string[]; threshold: number }): Promise<AaTransactionResult> {
  const { context, wallet } = requireSmartAccount(client, "wallet.setGuardians");
  return setGuardiansOf(context, wallet, params.guardians, params.threshold);
}

/** The owner cancels every pending recovery of the acting account. */
export function cancelRecovery(client: MedrecClient): Promise<AaTransactionResult> {
  const { context, wallet } = requireSmartAccount(client, "wallet.cancelRecovery");
  return cancelRecoveryOf(context, wallet);
}

/** The acting guardian's key (an EOA). */
function guardianSigner(client: MedrecClient, action: string): Signer {
  const account = requireAccount(client, action);
  if (account.kind !== "eoa") throw new ClientConfigError(action, "guardian key (an EOA account)");
  return account.signer;
}

/** Parameters of the guardians' recovery actions. */
export interface RecoveryParams {
  /** The patient's account being recovered. */
  account: string;
  /** The owner the account moves to. */
  newOwner: string;
}

/** The acting guardian proposes (and votes for) moving `account` to `newOwner`. */
export function proposeRecovery(client: MedrecClient, params: RecoveryParams) {
  return proposeRecoveryAs(guardianSigner(client, "wallet.proposeRecovery"), params.account, params.newOwner);
}

/** The acting guardian approves the recovery of `account` to `newOwner`. */
export function approveRecovery(client: MedrecClient, params: RecoveryParams) {
  return approveRecoveryAs(guardianSigner(client, "wallet.approveRecovery"), params.account, params.newOwner);
}

/** Anyone executes an approved recovery once its time lock has passed. */
export function executeRecovery(client: MedrecClient, params: RecoveryParams) {
  return executeRecoveryAs(guardianSigner(client, "wallet.executeRecovery"), params.account, params.newOwner);
}
