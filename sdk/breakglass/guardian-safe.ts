import { AbiCoder, Interface, ZeroAddress, getAddress, keccak256, toBigInt, type Signer } from "ethers";
// The factories one by one: the index of the contract types loads every factory (start-up time).
import { ConsentManager__factory } from "../chain/contracts/factories/contracts/ConsentManager__factory";
import { PatientAccountBase__factory } from "../chain/contracts/factories/aa-wallets/base/PatientAccountBase.sol/PatientAccountBase__factory";
import { BreakGlassError } from "./errors";
import { createSafe, type CreatedSafe } from "./create-safe";
import type { SafeContractNetworks } from "./contract-networks";
import type { SafeRpc } from "./rpc";

const consentInterface = new Interface(ConsentManager__factory.abi);

/** Options of {@link createGuardianSafe}. */
export interface CreateGuardianSafeOptions {
  /** Sends (and pays for) the deployment; needs a provider. Anyone may do it: the Safe's owners come from the account. */
  signer: Signer;
  /** The patient's smart account (`PatientAccount`), whose guardians become the Safe's owners. */
  account: string;
  /** The Safe contract addresses of the chain, keyed by chain id (`contractNetworksFor`). */
  contractNetworks: SafeContractNetworks;
  /** CREATE2 salt nonce; defaults to one derived from the account address (one guardian Safe per guardian set). */
  saltNonce?: string | bigint;
  /** What protocol-kit reads the chain through; defaults to `signer.provider`. */
  provider?: SafeRpc;
}

/** A guardian Safe and the account whose guardians own it. */
export interface GuardianSafe extends CreatedSafe {
  /** The patient's account. */
  account: string;
}

/** The default salt nonce of a patient account's guardian Safe. */
export function guardianSafeSaltNonce(account: string): bigint {
  return toBigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["string", "address"], ["medrec.guardian-safe", getAddress(account)])));
}

/**
 * Creates a Safe owned by the current guardians of a patient's account, with the account's guardian threshold
 * (M-of-N), for the patient to name as its emergency delegate (`setEmergencyDelegateCall`). The Safe is a snapshot:
 * after the patient changes guardians, create a new one and name it again.
 * @param options See {@link CreateGuardianSafeOptions}.
 * @throws {@link BreakGlassError} `NO_GUARDIANS` when the account has none; `createSafe`'s errors otherwise.
 */
export async function createGuardianSafe(options: CreateGuardianSafeOptions): Promise<GuardianSafe> {
  const account = getAddress(options.account);
  const wallet = PatientAccountBase__factory.connect(account, options.signer);
  const [guardians, threshold] = await Promise.all([wallet.guardians(), wallet.threshold()]);
  if (guardians.length === 0) throw new BreakGlassError("NO_GUARDIANS", `the account ${account} has no guardians`);
  const safe = await createSafe({
    signer: options.signer,
    owners: guardians,
    threshold: Number(threshold),
    contractNetworks: options.contractNetworks,
    saltNonce: options.saltNonce ?? guardianSafeSaltNonce(account),
    provider: options.provider,
  });
  return { ...safe, account };
}

/**
 * The call the patient's account sends to name `delegate` (its guardians' Safe) as emergency delegate on
 * ConsentManager, or to clear it with the zero address. Shaped as a `wallet.AccountCall`, so it goes through
 * `wallet.sendSponsored` (the paymaster sponsors it) or any other way the patient sends calls.
 * @param consentManager The ConsentManager address.
 * @param delegate The delegate (a Safe address), or `ZeroAddress` to clear.
 */
export function setEmergencyDelegateCall(consentManager: string, delegate: string): { target: string; value: bigint; data: string } {
  return {
    target: getAddress(consentManager),
    value: 0n,
    data: consentInterface.encodeFunctionData("setEmergencyDelegate", [delegate === ZeroAddress ? ZeroAddress : getAddress(delegate)]),
  };
}
