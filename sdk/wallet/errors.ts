import { MedrecError } from "../errors";

/** Where in the bootloader flow a transaction was rejected. */
export type RejectionStage = "nonce" | "validation" | "payment" | "paymaster";

/**
 * The chain refused an AA transaction before executing it (as the zkSync bootloader refuses it): nothing of it
 * is kept, no fee is charged, the nonce is not used.
 */
export class TransactionRejectedError extends MedrecError {
  declare readonly code: "AA_TX_REJECTED";
  /**
   * @param stage Where it was refused.
   * @param reason The decoded custom error (e.g. `WrongSigner(0x…)`) or the node's message.
   */
  constructor(
    readonly stage: RejectionStage,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super("AA_TX_REJECTED", "refused", `transaction rejected at ${stage}: ${reason}`, options);
  }
}

/** An AA transaction was included but its execution reverted (the fee was paid, the nonce used). */
export class TransactionRevertedError extends MedrecError {
  declare readonly code: "AA_TX_REVERTED";
  /**
   * @param hash The transaction hash.
   * @param reason The decoded revert reason.
   */
  constructor(
    readonly hash: string,
    readonly reason: string,
  ) {
    super("AA_TX_REVERTED", "refused", `transaction ${hash} reverted: ${reason}`);
  }
}

/**
 * Gas estimation ran the transaction and its execution reverted (or ran out of the gas it may use): nothing was
 * sent, nothing was paid, the nonce is still free. A zkSync node refuses to estimate such a transaction too.
 */
export class TransactionWouldRevertError extends MedrecError {
  declare readonly code: "AA_TX_WOULD_REVERT";
  /** @param reason The decoded revert reason (e.g. `InvalidCid()`, `out of gas`) or the node's message. */
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super("AA_TX_WOULD_REVERT", "refused", `transaction would revert: ${reason}`, options);
  }
}

/** The account is already registered as a patient with another encryption key (rotating it is another call). */
export class PatientKeyDiffersError extends MedrecError {
  declare readonly code: "PATIENT_KEY_DIFFERS";
  /**
   * @param account The patient's address.
   * @param registered The X25519 public key it is registered with (hex).
   */
  constructor(account: string, registered: string) {
    super("PATIENT_KEY_DIFFERS", "refused", `${account} is already registered with another encryption key (${registered})`);
  }
}
