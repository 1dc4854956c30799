import { getAddress, hexlify, keccak256, randomBytes, toBigInt, type Signer, type TypedDataDomain } from "ethers";
import { bytesToHex, generateEncryptionKeyPair, hexToBytes, WRAPPED_KEY_LENGTH, type BytesLike } from "../crypto";
import type { RecordsContext } from "../records/context";
import { readRecord, type KeySource, type ReadRecordResult } from "../records/read";
import { clientError, resolverFetch, type ResolverUrl } from "./http";
import {
  RESOLVER_ROUTES,
  accessRequestDigest,
  accessRequestToBody,
  keyDepositPath,
  signAccessRequest,
  signKeyDeposit,
  wallClockSeconds,
  type AccessRequest,
  type DisclosureReceipt,
  type KeyDeposit,
  type KeyDepositBody,
  type KeyDepositResultBody,
  type KeyReleaseBody,
  type ResolverInfo,
} from "./protocol";

/** Default lifetime of a signed request: two minutes. */
export const DEFAULT_REQUEST_TTL_SECONDS = 120n;

/**
 * Asks a resolver who it is: chain, contracts, its disclosure account and its key-release public key.
 * @param url The resolver's base URL.
 */
export function resolverInfo(url: ResolverUrl): Promise<ResolverInfo> {
  return resolverFetch<ResolverInfo>(url, RESOLVER_ROUTES.info, { method: "GET" });
}

/** Options of {@link requestKeyRelease}. */
export interface KeyReleaseOptions {
  /** The resolver's base URL. */
  url: ResolverUrl;
  /** Signs the request: the requester's key, or the owner key of the requesting account. */
  signer: Signer;
  /** From `resolverDomain(chainId, consentManager)`. */
  domain: TypedDataDomain;
  tokenId: bigint;
  /** Purpose of use (bytes32), e.g. `consent.Purpose.TREATMENT`, or `EMERGENCY` under break-glass. */
  purpose: string;
  /** The requester when it is not `signer` (an ERC-1271 account). */
  requester?: string;
  /**
   * The disclosure account of the resolver at `url`, which the signed request names (only that resolver honours
   * it). Pin it when you know it; otherwise it is read from `GET /v1/info` first.
   */
  resolver?: string;
  /** Seconds the signed request stays valid; default {@link DEFAULT_REQUEST_TTL_SECONDS}. */
  ttlSeconds?: bigint;
}

/** A released record key: the data key wrapped to a one-time key only this process holds. */
export interface KeyRelease {
  tokenId: bigint;
  version: bigint;
  wrappedKey: Uint8Array;
  /** The one-time private key that opens `wrappedKey`. Zeroise (`fill(0)`) when done. */
  ephemeralPrivateKey: Uint8Array;
  disclosure: DisclosureReceipt;
}

/**
 * Asks the resolver for a record's key: makes a one-time X25519 key pair, signs an EIP-712 access request (naming
 * this resolver, with a random nonce), and returns the key the resolver re-wrapped to it after mining the
 * `Disclosure`. The released wrap is bound to the record version it was released for; the release's `disclosure`
 * (batch transaction, block, log index) must carry this request's digest as its `requestHash`.
 * @throws {ResolverError} When the resolver refuses (`ACCESS_DENIED`, `RECORD_ERASED`, …) or is unreachable.
 */
export async function requestKeyRelease(options: KeyReleaseOptions): Promise<KeyRelease> {
  const resolver = getAddress(options.resolver ?? (await resolverInfo(options.url)).address);
  const ephemeral = generateEncryptionKeyPair();
  try {
    const request: AccessRequest = {
      requester: getAddress(options.requester ?? (await options.signer.getAddress())),
      resolver,
      tokenId: options.tokenId,
      purpose: options.purpose,
      ephemeralPublicKey: ephemeral.publicKeyHex,
      deadline: wallClockSeconds() + (options.ttlSeconds ?? DEFAULT_REQUEST_TTL_SECONDS),
      nonce: toBigInt(randomBytes(16)),
    };
    const signature = await signAccessRequest(options.signer, options.domain, request);
    const released = await resolverFetch<KeyReleaseBody>(options.url, RESOLVER_ROUTES.access, {
      method: "POST",
      body: accessRequestToBody(request, signature),
    });
    const wrappedKey = hexToBytes(released.wrappedKey);
    if (wrappedKey.length !== WRAPPED_KEY_LENGTH || BigInt(released.tokenId) !== options.tokenId) {
      throw clientError("RESOLVER_BAD_RESPONSE", 200, "resolver released a malformed key");
    }
    // The release names the Disclosure of this very request (its EIP-712 digest), not another read of the batch.
    if (typeof released.disclosure?.requestHash !== "string" || released.disclosure.requestHash.toLowerCase() !== accessRequestDigest(options.domain, request)) {
      throw clientError("RESOLVER_BAD_RESPONSE", 200, "resolver released a key without the disclosure of this request");
    }
    return {
      tokenId: options.tokenId,
      version: BigInt(released.version),
      wrappedKey,
      ephemeralPrivateKey: ephemeral.privateKey,
      disclosure: released.disclosure,
    };
  } catch (error) {
    ephemeral.privateKey.fill(0);
    throw error;
  }
}

/** A record read through the resolver, with the disclosure that released its key. */
export type ResolvedRecord = ReadRecordResult<{ disclosure: DisclosureReceipt }>;

/**
 * A {@link KeySource} whose keys the resolver releases under the reader's on-chain grant: each key is
 * one signed access request, one mined `Disclosure`, re-wrapped to a one-time key that is zeroised
 * when the read is done. The read's result carries the `disclosure`.
 * @param options Resolver, signer, domain and purpose; see {@link KeyReleaseOptions} (the token comes from the read).
 */
export function resolverKeys(options: Omit<KeyReleaseOptions, "tokenId">): KeySource<{ disclosure: DisclosureReceipt }> {
  return {
    async keyFor(_context, ref) {
      const release = await requestKeyRelease({ ...options, tokenId: ref.tokenId });
      return {
        version: release.version,
        wrappedKey: release.wrappedKey,
        privateKey: release.ephemeralPrivateKey,
        extra: { disclosure: release.disclosure },
        dispose: () => release.ephemeralPrivateKey.fill(0),
      };
    },
  };
}

/**
 * `readRecordThroughResolver`: the grantee's read path (ARCHITECTURE.md, flow 4), i.e.
 * `readRecord(context, tokenId, resolverKeys(options))`: the key released by the resolver, the
 * ciphertext fetched by the CID on-chain (every block verified), its SHA-256 checked, decrypted with the
 * AAD bound to chain, token and version, the FHIR bundle validated.
 * @param context Chain, record token and content store (the key store is not used).
 * @param options Resolver, signer, domain, token and purpose; see {@link KeyReleaseOptions}.
 * @throws {RecordNotFoundError} The token does not exist (checked before anything is asked of the resolver).
 * @throws {ResolverError} The resolver refused.
 */
export function readRecordThroughResolver(context: RecordsContext, options: KeyReleaseOptions): Promise<ResolvedRecord> {
  const { tokenId, ...release } = options;
  return readRecord(context, tokenId, resolverKeys(release));
}

/** Options of {@link depositRecordKey}. */
export interface KeyDepositOptions {
  url: ResolverUrl;
  /** The depositor's key, or the owner key of the depositing account. */
  signer: Signer;
  domain: TypedDataDomain;
  tokenId: bigint;
  version: bigint;
  /** The record's data key wrapped to the resolver's encryption key (93 bytes). */
  wrappedKey: BytesLike;
  /** The depositor when it is not `signer` (the patient's account). Must be the record's patient or issuer. */
  depositor?: string;
  ttlSeconds?: bigint;
}

/**
 * Hands the resolver its wrap of a record version's data key (done by the writer at ingest). The resolver
 * checks that the depositor is the record's patient or issuer and that the wrap opens with its key.
 * @throws {ResolverError} On refusal (`NOT_RECORD_WRITER`, `VERSION_MISMATCH`, `KEY_DOES_NOT_OPEN`, …).
 */
export async function depositRecordKey(options: KeyDepositOptions): Promise<void> {
  const wrappedKey = typeof options.wrappedKey === "string" ? options.wrappedKey : bytesToHex(options.wrappedKey);
  const deposit: KeyDeposit = {
    depositor: getAddress(options.depositor ?? (await options.signer.getAddress())),
    tokenId: options.tokenId,
    version: options.version,
    wrappedKeyHash: keccak256(wrappedKey),
    deadline: wallClockSeconds() + (options.ttlSeconds ?? DEFAULT_REQUEST_TTL_SECONDS),
  };
  const signature = await signKeyDeposit(options.signer, options.domain, deposit);
  const body: KeyDepositBody = {
    depositor: deposit.depositor,
    version: deposit.version.toString(),
    wrappedKey: hexlify(wrappedKey),
    deadline: deposit.deadline.toString(),
    signature,
  };
  await resolverFetch<KeyDepositResultBody>(options.url, keyDepositPath(options.tokenId), { method: "PUT", body });
}
