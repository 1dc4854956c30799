import { Interface, getAddress, recoverAddress, type Provider } from "ethers";

const ERC1271 = new Interface(["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"]);
const MAGIC_VALUE = "0x1626ba7e";

/**
 * Whether `signature` is `signer`'s over `digest`: ECDSA recovery for an address without code (an EOA),
 * ERC-1271 `isValidSignature` at the latest block for a contract (a patient or provider smart account).
 * Malformed or non-canonical (high-s) signatures are invalid, never an exception.
 */
export async function isValidSignatureNow(provider: Provider, signer: string, digest: string, signature: string): Promise<boolean> {
  const code = await provider.getCode(signer);
  if (code === "0x") {
    try {
      return recoverAddress(digest, signature) === getAddress(signer);
    } catch {
      return false;
    }
  }
  try {
    const result = await provider.call({ to: signer, data: ERC1271.encodeFunctionData("isValidSignature", [digest, signature]) });
    return result.length >= 10 && result.slice(0, 10).toLowerCase() === MAGIC_VALUE;
  } catch {
    return false;
  }
}
