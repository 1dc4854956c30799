/**
 * Record token ids, as `RecordToken.tokenIdFor` derives them: known to the writer before it mints.
 *
 * @module
 */
import { AbiCoder, getAddress, keccak256 } from "ethers";

const LOW_128_BITS = (1n << 128n) - 1n;

/**
 * The id `writer` mints for `patient` with `salt`: the low 128 bits of keccak256(abi.encode(writer, patient, salt)),
 * `2^128` if those are zero — the same number `RecordToken.tokenIdFor` returns.
 * @param writer The issuer that sends the mint (`msg.sender`).
 * @param patient The patient the record is minted to.
 * @param salt 32 bytes the writer picks (a fresh random one per record).
 */
export function recordTokenId(writer: string, patient: string, salt: string): bigint {
  const id = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["address", "address", "bytes32"], [getAddress(writer), getAddress(patient), salt]))) & LOW_128_BITS;
  return id === 0n ? 1n << 128n : id;
}
