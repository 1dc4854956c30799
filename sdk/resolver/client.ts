import { getAddress, hexlify, keccak256, randomBytes, toBigInt, type Signer, type TypedDataDomain } from "ethers";
import type { Bundle } from "@medplum/fhirtypes";
import { bytesToHex, generateEncryptionKeyPair, hexToBytes, openRecord, WRAPPED_KEY_LENGTH, type BytesLike } from "../crypto";
import { validateFhir } from "../fhir";
import type { RecordsContext } from "../records/context";
import { versionRef } from "../records/context";
import { RecordNotFoundError } from "../records/errors";
import { getBytes } from "ethers";
import { ResolverError } from "./errors";
import { resolverFetch, type ResolverUrl } from "./http";
import { signAccessRequest, signKeyDeposit, wallClockSeconds, type AccessRequest, type KeyDeposit } from "./typed-data";
import { accessRequestToBody, type KeyDepositBody, type KeyReleaseBody } from "./wire";

/** What a resolver tells about itself (`GET /v1/info`). */
export interface ResolverInfo {
  chainId: string;
  consentManager: string;
  recordToken: string;
  /** The account that records disclosures (holds `RESOLVER_ROLE`). */
  address: string;
  /** The X25519 key that record keys are wrapped to at ingest (bytes32 hex). */
  encryptionPublicKey: string;
}

/** Default lifetime of a signed request: two minutes. */
export const DEFAULT_REQUEST_TTL_SECONDS = 120n;


/**
 * Asks a resolver who it is: chain, contracts, its disclosure account and its key-release public key.
 * @param url The resolver's base URL.
 */
export function resolverInfo(url: ResolverUrl): Promise<ResolverInfo> {
  return resolverFetch<ResolverInfo>(url, "/v1/info", { method: "GET" });
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
  disclosure: { transactionHash: string; blockNumber: number };
}

/**
 * Asks the resolver for a record's key: makes a one-time X25519 key pair, signs an EIP-712 access request (naming
 * this resolver, with a random nonce), and returns the key the resolver re-wrapped to it after mining the
 * `Disclosure`. The released wrap is bound to the record version it was released for.
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
    const released = await resolverFetch<KeyReleaseBody>(options.url, "/v1/access", {
      method: "POST",
      body: accessRequestToBody(request, signature),
    });
    const wrappedKey = hexToBytes(released.wrappedKey);
    if (wrappedKey.length !== WRAPPED_KEY_LENGTH || BigInt(released.tokenId) !== options.tokenId) {
      throw new ResolverError("RESOLVER_BAD_RESPONSE", 200, "resolver released a malformed key");
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
export interface ResolvedRecord {
  tokenId: bigint;
  version: bigint;
  patient: string;
  contentHash: string;
  /** The canonical plaintext bytes (what the writer sealed). */
  plaintext: Uint8Array;
  bundle: Bundle;
  disclosure: { transactionHash: string; blockNumber: number };
}

/**
 * `readRecordThroughResolver`: the grantee's read path (ARCHITECTURE.md, flow 4). Gets the key released by the
 * resolver, fetches the ciphertext by the CID on-chain (every block verified), checks its SHA-256, decrypts it
 * with the AAD bound to chain, token and version, and validates the FHIR bundle.
 * @param context Chain, record token and content store (the key store is not used).
 * @param options Resolver, signer, domain, token and purpose; see {@link KeyReleaseOptions}.
 * @throws {RecordNotFoundError} The token does not exist (checked before anything is asked of the resolver).
 * @throws {ResolverError} The resolver refused.
 */
export async function readRecordThroughResolver(context: RecordsContext, options: KeyReleaseOptions): Promise<ResolvedRecord> {
  const patient = await context.recordToken.patientOf(options.tokenId);
  if (BigInt(patient) === 0n) throw new RecordNotFoundError(options.tokenId);
  const release = await requestKeyRelease(options);
  try {
    const record = await context.recordToken.recordOf(options.tokenId);
    if (record.version !== release.version) {
      throw new ResolverError("RECORD_VERSION_CHANGED", 200, `record #${options.tokenId} changed while its key was released; ask again`);
    }
    const ref = await versionRef(context, options.tokenId, record.version);
    const sealed = await context.store.get(getBytes(record.cid), { expectedContentHash: record.contentHash });
    const plaintext = openRecord(sealed, release.wrappedKey, release.ephemeralPrivateKey, ref, record.contentHash);
    const bundle = validateFhir(plaintext, "Bundle") as Bundle;
    return { tokenId: options.tokenId, version: record.version, patient, contentHash: record.contentHash, plaintext, bundle, disclosure: release.disclosure };
  } finally {
    release.ephemeralPrivateKey.fill(0);
  }
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
  await resolverFetch<unknown>(options.url, `/v1/records/${options.tokenId}/key`, { method: "PUT", body });
}
