/**
 * The EIP-712 typed data of the resolver's signed messages: a reader's access request and a writer's key deposit,
 * their domain, signing and digests, and the wall clock their deadlines are measured by.
 *
 * @module
 */
import { TypedDataEncoder, getBytes, keccak256, type Signer, type TypedDataDomain, type TypedDataField } from "ethers";
import { checksummedAddress } from "../../vocabulary/checksummed-address";

/**
 * A reader's signed request for the key of one record (EIP-712 `AccessRequest`). The resolver re-wraps the
 * record's data key to `ephemeralPublicKey` only while `ConsentManager` says `requester` may read the record
 * for `purpose`, and only if it is the `resolver` the request names.
 */
export interface AccessRequest {
  /** The reader: an EOA or an ERC-1271 account (whose owner signs). */
  requester: string;
  /**
   * The resolver the request is for: its disclosure account (`address` of `GET /v1/info`). Any other resolver of
   * the deployment refuses the request, so one signed read is one disclosure.
   */
  resolver: string;
  tokenId: bigint;
  /** HL7 purpose of use as bytes32 (see `consent.Purpose`). */
  purpose: string;
  /** A one-time X25519 public key (bytes32) the released key is wrapped to. */
  ephemeralPublicKey: string;
  /** Unix seconds (wall clock) after which the request is void. */
  deadline: bigint;
  /** Any unused number of the requester's choosing; each is accepted once. */
  nonce: bigint;
}

/**
 * A writer's signed deposit of the data key of one record version, wrapped to the resolver's key
 * (EIP-712 `KeyDeposit`). Only the record's patient or the issuer of that version may deposit.
 */
export interface KeyDeposit {
  depositor: string;
  tokenId: bigint;
  version: bigint;
  /** keccak256 of the 93-byte wrapped key. */
  wrappedKeyHash: string;
  /** Unix seconds (wall clock) after which the deposit is void. */
  deadline: bigint;
}

/** Unix seconds now by the wall clock: what request and deposit deadlines are measured in, on both sides. */
export function wallClockSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}

/** EIP-712 types of {@link AccessRequest}. */
export const ACCESS_REQUEST_TYPES: Record<string, TypedDataField[]> = {
  AccessRequest: [
    { name: "requester", type: "address" },
    { name: "resolver", type: "address" },
    { name: "tokenId", type: "uint256" },
    { name: "purpose", type: "bytes32" },
    { name: "ephemeralPublicKey", type: "bytes32" },
    { name: "deadline", type: "uint64" },
    { name: "nonce", type: "uint256" },
  ],
};

/** EIP-712 types of {@link KeyDeposit}. */
export const KEY_DEPOSIT_TYPES: Record<string, TypedDataField[]> = {
  KeyDeposit: [
    { name: "depositor", type: "address" },
    { name: "tokenId", type: "uint256" },
    { name: "version", type: "uint64" },
    { name: "wrappedKeyHash", type: "bytes32" },
    { name: "deadline", type: "uint64" },
  ],
};

/**
 * The EIP-712 domain of the resolvers of one deployment: binds every request to one chain and one
 * ConsentManager, so a signature for another chain or deployment is worthless here.
 * @param chainId The chain of the deployment.
 * @param consentManager The ConsentManager address (the verifying contract of the permission).
 */
export function resolverDomain(chainId: bigint | number, consentManager: string): TypedDataDomain {
  return { name: "medrec Resolver", version: "1", chainId, verifyingContract: consentManager };
}

/**
 * Signs an access request. For a smart account, pass the account's owner key as `signer` and the account as
 * `request.requester` (the account vouches for its owner through ERC-1271).
 * @param signer The requester's key.
 * @param domain From {@link resolverDomain}.
 * @param request The request.
 * @returns The 65-byte signature as hex.
 */
export function signAccessRequest(signer: Signer, domain: TypedDataDomain, request: AccessRequest): Promise<string> {
  return signer.signTypedData(domain, ACCESS_REQUEST_TYPES, request);
}

/**
 * Signs a key deposit (the depositor's key, or the owner key of a depositing account).
 * @param signer The depositor's key.
 * @param domain From {@link resolverDomain}.
 * @param deposit The deposit.
 * @returns The 65-byte signature as hex.
 */
export function signKeyDeposit(signer: Signer, domain: TypedDataDomain, deposit: KeyDeposit): Promise<string> {
  return signer.signTypedData(domain, KEY_DEPOSIT_TYPES, deposit);
}

/** keccak256 of the `AccessRequest` type string. */
const ACCESS_REQUEST_TYPEHASH = getBytes(keccak256(new TextEncoder().encode(TypedDataEncoder.from(ACCESS_REQUEST_TYPES).encodeType("AccessRequest"))));
/** Domain separators already computed (a resolver signs under one domain; computing it is most of ethers' cost). */
const domainSeparators = new WeakMap<TypedDataDomain, Uint8Array>();

/** Writes `value` (< 2^bits) big-endian into the 32-byte word at `offset`, or throws as EIP-712 encoding would. */
function putUint(word: Uint8Array, offset: number, value: bigint, bits: number, name: string): void {
  if (value < 0n || value >> BigInt(bits) !== 0n) throw new RangeError(`${name} does not fit uint${bits}`);
  for (let i = 31; i >= 0 && value > 0n; i--) {
    word[offset + i] = Number(value & 0xffn);
    value >>= 8n;
  }
}

/** Writes 32 bytes of `hex` at `offset`, or throws when it is not 32 bytes. */
function putBytes32(word: Uint8Array, offset: number, hex: string, name: string): void {
  const bytes = getBytes(hex);
  if (bytes.length !== 32) throw new RangeError(`${name} is not 32 bytes`);
  word.set(bytes, offset);
}

/**
 * The EIP-712 digest of an access request: the same value as `TypedDataEncoder.hash(domain, ACCESS_REQUEST_TYPES,
 * request)` (tested against it), computed with the domain separator cached per domain object and the struct encoded
 * by hand (ethers rebuilds its encoders on every call, which a resolver would pay per request).
 * @throws {RangeError}/ethers' errors on a value that does not fit its type (an invalid address, a wide integer).
 */
export function accessRequestDigest(domain: TypedDataDomain, request: AccessRequest): string {
  let separator = domainSeparators.get(domain);
  if (!separator) {
    separator = getBytes(TypedDataEncoder.hashDomain(domain));
    domainSeparators.set(domain, separator);
  }
  const struct = new Uint8Array(8 * 32);
  struct.set(ACCESS_REQUEST_TYPEHASH, 0);
  struct.set(getBytes(checksummedAddress(request.requester)), 32 + 12);
  struct.set(getBytes(checksummedAddress(request.resolver)), 64 + 12);
  putUint(struct, 96, request.tokenId, 256, "tokenId");
  putBytes32(struct, 128, request.purpose, "purpose");
  putBytes32(struct, 160, request.ephemeralPublicKey, "ephemeralPublicKey");
  putUint(struct, 192, request.deadline, 64, "deadline");
  putUint(struct, 224, request.nonce, 256, "nonce");
  const message = new Uint8Array(2 + 64);
  message[0] = 0x19;
  message[1] = 0x01;
  message.set(separator, 2);
  message.set(getBytes(keccak256(struct)), 34);
  return keccak256(message);
}

/** The EIP-712 digest of a key deposit. */
export function keyDepositDigest(domain: TypedDataDomain, deposit: KeyDeposit): string {
  return TypedDataEncoder.hash(domain, KEY_DEPOSIT_TYPES, deposit);
}
