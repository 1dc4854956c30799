/**
 * Who acts through a client: an externally owned key (a provider's system, a patient on a plain key, a guardian,
 * a relayer), or a patient's smart account (zkSync native AA) whose owner key signs and whose fees the sponsor
 * paymaster pays.
 *
 * @module
 */
import { getAddress, type Signer } from "ethers";
import type { AaTransport } from "../wallet/transport";
import { InvalidArgumentError } from "../errors";

/** An EOA: transactions are sent from `signer`, which also signs typed data. */
export interface EoaAccount {
  kind: "eoa";
  /** The account's address (`signer`'s). */
  address: string;
  /** Connected to the client's provider for sending. */
  signer: Signer;
}

/** A patient's smart account: `owner` signs its AA transactions and (through ERC-1271) its typed data. */
export interface SmartAccount {
  kind: "smart";
  /** The account contract's address. */
  address: string;
  /** The owner key (a passkey in the app, a key in the CLI). */
  owner: Signer;
  /** Where AA (type-113) transactions are sent. */
  transport: AaTransport;
  /** Send through the deployment's sponsor paymaster (default true when the deployment has one). */
  sponsored?: boolean;
}

/** The acting account of a client. */
export type MedrecAccount = EoaAccount | SmartAccount;

/**
 * An EOA account of `signer`.
 * @param signer A signer connected to a provider (to send transactions).
 * @param address Its address, when known (saves a call); checked against nothing else.
 */
export async function eoaAccount(signer: Signer, address?: string): Promise<EoaAccount> {
  return { kind: "eoa", address: getAddress(address ?? (await signer.getAddress())), signer };
}

/**
 * A smart account controlled by `owner`.
 * @throws InvalidArgumentError for a malformed address.
 */
export function smartAccount(options: { address: string; owner: Signer; transport: AaTransport; sponsored?: boolean }): SmartAccount {
  let address: string;
  try {
    address = getAddress(options.address);
  } catch {
    throw new InvalidArgumentError(`not an account address: ${String(options.address)}`);
  }
  return { kind: "smart", address, owner: options.owner, transport: options.transport, sponsored: options.sponsored };
}

/** The key that signs typed data for `account` (the EOA itself, or the smart account's owner). */
export function typedDataSigner(account: MedrecAccount): Signer {
  return account.kind === "eoa" ? account.signer : account.owner;
}
