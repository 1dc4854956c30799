import { Interface, Signature, getAddress, getBytes, keccak256, type Provider } from "ethers";
import { ecdsaRecover } from "secp256k1";
import { checksummedAddress } from "@medrec/sdk/chain";
import { chainUnavailable } from "./errors";

const ERC1271 = new Interface(["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"]);
const MAGIC_VALUE = "0x1626ba7e";
/** How long an address's code presence is remembered, in ms. */
const CODE_CACHE_MS = 10_000;
/** Most addresses remembered; the oldest are dropped first. */
const CODE_CACHE_SIZE = 10_000;

/**
 * Whether `signature` is an ECDSA signature of `digest` by `signer` (checked locally, no RPC). Malformed or
 * non-canonical (high-s) signatures are not, never an exception. As in OpenZeppelin's `SignatureChecker`, which
 * ConsentManager uses, a signature that recovers to the account is valid whether or not the account has code.
 * The signature is parsed as ethers' `recoverAddress` parses it; the recovery itself is libsecp256k1 (the
 * `secp256k1` package's prebuilt binding, ~0.07 ms; it falls back to its pure-JS `elliptic` build where the
 * binding cannot load) instead of ethers' pure-JS recovery (~2.4 ms, the bulk of a key release's CPU).
 */
export function isEcdsaSignatureOf(signer: string, digest: string, signature: string): boolean {
  try {
    return recoveredAddressHex(digest, signature) === checksummedAddress(signer).slice(2).toLowerCase();
  } catch {
    return false;
  }
}

/** The address whose key made `signature` over the 32-byte `digest`; throws on a malformed signature. */
export function recoverSigner(digest: string, signature: string): string {
  return getAddress(`0x${recoveredAddressHex(digest, signature)}`);
}

/** The 40 lower-case hex digits of the address that made `signature` over `digest`; throws on a malformed one. */
function recoveredAddressHex(digest: string, signature: string): string {
  const parsed = Signature.from(signature); // 65-byte or EIP-2098 compact; refuses high-s and bad v
  const rs = getBytes(parsed.compactSerialized);
  rs[32] &= 0x7f; // the compact form keeps yParity in the top bit of s
  const publicKey = ecdsaRecover(rs, parsed.yParity, getBytes(digest), false);
  return keccak256(publicKey.subarray(1)).slice(-40);
}

/** The cost caps of contract-signature checks. */
export interface SignatureCheckLimits {
  /** Gas cap of one `isValidSignature` call. */
  gas: number;
  /** Time cap of one check (code lookup, or the call), in ms. */
  timeoutMs: number;
}

/** The ERC-1271 side of signature checks: every question it asks the node is capped in time, the call in gas. */
export interface ContractSignatureChecker {
  /** Whether `account` has code (remembered for a few seconds, so junk in one account's name costs one lookup). */
  isContract(account: string): Promise<boolean>;
  /**
   * Whether the contract `account` (a smart account, a Safe) vouches for `signature` over `digest` at the latest
   * block. A revert, running out of gas (a looping contract) or any answer but the magic value is `false`.
   */
  vouches(account: string, digest: string, signature: string): Promise<boolean>;
}

/** Runs `work`, or fails with 503 `CHAIN_UNAVAILABLE` after `timeoutMs` (nothing was done on its account). */
async function withinTime<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(chainUnavailable("the signature check did not finish in time; nothing was done")), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A {@link ContractSignatureChecker} on `provider`.
 * @param provider The chain's node.
 * @param limits Gas and time caps.
 */
export function createContractSignatureChecker(provider: Provider, limits: SignatureCheckLimits): ContractSignatureChecker {
  const codeSeen = new Map<string, { hasCode: boolean; at: number }>();
  return {
    async isContract(account) {
      const key = account.toLowerCase();
      const now = Date.now();
      const known = codeSeen.get(key);
      if (known && now - known.at < CODE_CACHE_MS) return known.hasCode;
      const hasCode = (await withinTime(provider.getCode(account), limits.timeoutMs)) !== "0x";
      codeSeen.delete(key);
      codeSeen.set(key, { hasCode, at: now });
      if (codeSeen.size > CODE_CACHE_SIZE) codeSeen.delete(codeSeen.keys().next().value!);
      return hasCode;
    },
    async vouches(account, digest, signature) {
      const data = ERC1271.encodeFunctionData("isValidSignature", [digest, signature]);
      const call = provider.call({ to: account, data, gasLimit: BigInt(limits.gas) }).then(
        (result) => result.length >= 10 && result.slice(0, 10).toLowerCase() === MAGIC_VALUE,
        () => false,
      );
      return withinTime(call, limits.timeoutMs);
    },
  };
}
