import { SigningKey, ZeroAddress, hexlify, randomBytes, toBeHex, type Signer } from "ethers";
import { EIP712Signer, types, utils } from "zksync-ethers";

/** A zkSync type-113 (EIP-712) transaction from a smart account, before signing. */
export interface AaTransactionRequest {
  chainId: bigint;
  /** The sending account (a patient account, or an EOA for onboarding). */
  from: string;
  to: string;
  data: string;
  value?: bigint;
  nonce: bigint;
  gasLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas?: bigint;
  gasPerPubdata?: bigint;
  /** Paymaster address and its input (`utils.getPaymasterParams`); unset when the account pays. */
  paymaster?: { address: string; input: string };
}

/** A signed type-113 transaction. */
export interface SignedAaTransaction extends AaTransactionRequest {
  signature: string;
}

/** The fields of zkSync's system `Transaction` struct, in ABI order, as accounts and paymasters receive it. */
export interface SystemTransaction {
  txType: bigint;
  from: bigint;
  to: bigint;
  gasLimit: bigint;
  gasPerPubdataByteLimit: bigint;
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
  paymaster: bigint;
  nonce: bigint;
  value: bigint;
  reserved: [bigint, bigint, bigint, bigint];
  data: string;
  signature: string;
  factoryDeps: string[];
  paymasterInput: string;
  reservedDynamic: string;
}

/**
 * The priority fee that is signed and sent: zksync-ethers replaces an unset or zero `maxPriorityFeePerGas`
 * with `maxFeePerGas`, so every representation of the transaction must do the same.
 */
export function effectivePriorityFee(tx: AaTransactionRequest): bigint {
  return tx.maxPriorityFeePerGas ? tx.maxPriorityFeePerGas : tx.maxFeePerGas;
}

/**
 * The zksync-ethers request for `tx` (type 113 with `customData`).
 * @param tx The transaction; `signature` becomes `customData.customSignature` when given.
 */
export function toZkSyncRequest(tx: AaTransactionRequest & { signature?: string }): types.TransactionRequest {
  return {
    type: utils.EIP712_TX_TYPE,
    chainId: tx.chainId,
    from: tx.from,
    to: tx.to,
    data: tx.data,
    value: tx.value ?? 0n,
    nonce: Number(tx.nonce),
    gasLimit: tx.gasLimit,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: effectivePriorityFee(tx),
    customData: {
      gasPerPubdata: tx.gasPerPubdata ?? BigInt(utils.DEFAULT_GAS_PER_PUBDATA_LIMIT),
      factoryDeps: [],
      ...(tx.paymaster ? { paymasterParams: { paymaster: tx.paymaster.address, paymasterInput: tx.paymaster.input } } : {}),
      ...(tx.signature ? { customSignature: tx.signature } : {}),
    },
  };
}

/**
 * The EIP-712 digest the account owner signs (zkSync domain "zkSync" v2, `Transaction` type); the account
 * checks the owner's signature against it.
 */
export function signedDigest(tx: AaTransactionRequest): string {
  return hexlify(EIP712Signer.getSignedDigest(toZkSyncRequest(tx)));
}

/** The zkSync transaction hash of a signed transaction (`keccak256(signedDigest ‖ keccak256(signature))`). */
export function transactionHash(tx: SignedAaTransaction): string {
  return utils.eip712TxHash(toZkSyncRequest(tx));
}

/** The RLP serialization of a signed transaction, as `eth_sendRawTransaction` takes it on zkSync. */
export function serializeTransaction(tx: SignedAaTransaction): string {
  return utils.serializeEip712(toZkSyncRequest(tx) as types.TransactionLike);
}

/**
 * Signs `tx` with the account owner's key: EIP-712 typed data in the zkSync domain, which is the digest
 * {@link signedDigest} returns.
 * @param owner The account owner's signer.
 * @param tx The transaction to sign.
 */
export async function signAaTransaction(owner: Signer, tx: AaTransactionRequest): Promise<SignedAaTransaction> {
  const request = toZkSyncRequest(tx);
  const domain = { name: "zkSync", version: "2", chainId: tx.chainId };
  const signature = await owner.signTypedData(domain, utils.EIP712_TYPES, EIP712Signer.getSignInput(request));
  return { ...tx, signature };
}

/**
 * A stand-in signature for gas estimation: a well-formed 65-byte, low-`s` ECDSA signature of the transaction's
 * digest by a throw-away key, so that the account runs every validation step (recovery included) and spends the
 * same gas as with the owner's signature, but answers no magic value (the key is not the owner's). Estimation
 * ignores the missing magic value; a transaction carrying it is rejected.
 * @param tx The unsigned transaction.
 */
export function estimationSignature(tx: AaTransactionRequest): string {
  return new SigningKey(randomBytes(32)).sign(signedDigest(tx)).serialized;
}

/** The system `Transaction` struct of a signed transaction (what the bootloader passes to accounts). */
export function toSystemTransaction(tx: SignedAaTransaction): SystemTransaction {
  const address = (value: string) => BigInt(value);
  return {
    txType: BigInt(utils.EIP712_TX_TYPE),
    from: address(tx.from),
    to: address(tx.to),
    gasLimit: tx.gasLimit,
    gasPerPubdataByteLimit: tx.gasPerPubdata ?? BigInt(utils.DEFAULT_GAS_PER_PUBDATA_LIMIT),
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: effectivePriorityFee(tx),
    paymaster: address(tx.paymaster?.address ?? ZeroAddress),
    nonce: tx.nonce,
    value: tx.value ?? 0n,
    reserved: [0n, 0n, 0n, 0n],
    data: tx.data,
    signature: tx.signature,
    factoryDeps: [],
    paymasterInput: tx.paymaster?.input ?? "0x",
    reservedDynamic: "0x",
  };
}

/** `toBeHex` for JSON-RPC quantities. */
export const quantity = (value: bigint | number): string => toBeHex(value);
