/**
 * The additional authenticated data (AAD) that binds a sealed record to its on-chain token.
 *
 * @module
 */

import { checksummedAddress } from "../vocabulary/checksummed-address";
import { InvalidArgumentError } from "../errors";
import { concatBytes, hexToBytes, uintToBytes } from "./bytes";

/** The on-chain coordinates of one version of one record; the AAD of its ciphertext. */
export interface RecordAadFields {
  /** EIP-155 chain id of the chain holding the RecordToken, `0 ≤ chainId < 2^256`. */
  chainId: bigint | number;
  /** Address of the RecordToken contract, `0x` + 40 hex digits (lowercase, uppercase or EIP-55 checksummed). */
  recordToken: string;
  /** Token id of the record, `0 ≤ tokenId < 2^256`. */
  tokenId: bigint | number;
  /** Record version the ciphertext belongs to (RecordToken's `version`), `0 ≤ version < 2^64`. */
  version: bigint | number;
}

/** Length in bytes of {@link recordAad}'s output: four 32-byte words. */
export const RECORD_AAD_LENGTH = 128;

const UINT256_MAX = (1n << 256n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

function toUint(value: bigint | number, max: bigint, name: string): bigint {
  let v: bigint;
  if (typeof value === "bigint") {
    v = value;
  } else if (typeof value === "number" && Number.isSafeInteger(value)) {
    v = BigInt(value);
  } else {
    throw new InvalidArgumentError(`${name} must be a bigint or a safe integer`);
  }
  if (v < 0n || v > max) throw new InvalidArgumentError(`${name} is out of range`);
  return v;
}

function toAddressBytes(address: string): Uint8Array {
  if (typeof address !== "string" || !ADDRESS_RE.test(address)) {
    throw new InvalidArgumentError("recordToken must be a 0x-prefixed 20-byte hex address");
  }
  try {
    // Rejects a mixed-case address whose EIP-55 checksum is wrong (remembered: one RecordToken, every record).
    checksummedAddress(address);
  } catch {
    throw new InvalidArgumentError("recordToken has an invalid EIP-55 checksum");
  }
  return hexToBytes(address);
}

/**
 * The canonical AAD of a record ciphertext: the Solidity ABI encoding
 * `abi.encode(uint256 chainId, address recordToken, uint256 tokenId, uint64 version)`.
 *
 * Exact layout, 128 bytes, four big-endian 32-byte words:
 *
 * | bytes     | content                                                     |
 * |-----------|-------------------------------------------------------------|
 * | `0..32`   | `chainId` as uint256                                        |
 * | `32..64`  | 12 zero bytes ‖ the 20 address bytes of `recordToken`       |
 * | `64..96`  | `tokenId` as uint256                                        |
 * | `96..128` | 24 zero bytes ‖ `version` as uint64 (8 bytes)               |
 *
 * The address case (checksum) does not change the encoding. The encoding is injective, so two records
 * differing in any field have different AADs and a ciphertext of one does not open as the other.
 * In Solidity: `abi.encode(block.chainid, address(recordToken), tokenId, uint64(version))`.
 *
 * @param fields The record's on-chain coordinates.
 * @returns 128 fresh bytes.
 * @throws {InvalidArgumentError} If a field is out of range, not an integer, or not an address.
 */
export function recordAad(fields: RecordAadFields): Uint8Array {
  if (fields === null || typeof fields !== "object") {
    throw new InvalidArgumentError("AAD fields must be an object {chainId, recordToken, tokenId, version}");
  }
  const chainId = toUint(fields.chainId, UINT256_MAX, "chainId");
  const address = toAddressBytes(fields.recordToken);
  const tokenId = toUint(fields.tokenId, UINT256_MAX, "tokenId");
  const version = toUint(fields.version, UINT64_MAX, "version");
  return concatBytes(
    uintToBytes(chainId, 32),
    new Uint8Array(12),
    address,
    uintToBytes(tokenId, 32),
    uintToBytes(version, 32),
  );
}
