import { createDecipheriv, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, randomBytes, type KeyObject } from "node:crypto";
import { ecdsaSign } from "secp256k1";
import type { TypedDataDomain, Wallet } from "ethers";
import { DEK_WRAP_LABEL, WRAPPED_KEY_LENGTH, decodeWrappedKey, recordAad, type RecordAadFields } from "../../sdk/crypto";
import {
  RESOLVER_ROUTES,
  accessRequestDigest,
  accessRequestToBody,
  resolverFetch,
  wallClockSeconds,
  type AccessRequest,
  type KeyReleaseBody,
} from "../../sdk/resolver";

const LABEL = Buffer.from(DEK_WRAP_LABEL, "utf8");

/** One key release as the load client checked it: the data key it opened and the record version it is bound to. */
export interface CheckedRelease {
  version: bigint;
  /** The released data key, opened with the request's one-time key for `version` (zeroise when compared). */
  dataKey: Uint8Array;
  requestHash: string;
}

/** A reader that asks a resolver for keys as cheaply as the protocol allows; see {@link loadClient}. */
export interface LoadClient {
  /**
   * One signed access request for `tokenId`: a fresh one-time X25519 key and nonce, the EIP-712 digest signed by
   * the reader's key, `POST /v1/access`, and the answer checked (the disclosure names this request's digest, the
   * wrap opens with the one-time key for `binding(version)`).
   * @param onSigned Told the request's hash (its EIP-712 digest) once it is signed, before it is sent.
   * @throws {ResolverError} As the SDK's client does, on a refusal or a malformed answer.
   */
  release(tokenId: bigint, binding: (version: bigint) => RecordAadFields, onSigned?: (requestHash: string) => void): Promise<CheckedRelease>;
}

/** Opens a released wrap with the one-time private key (the SDK's wrap format, in node:crypto). */
function openWrap(privateKey: KeyObject, publicKey: Buffer, wrapped: Uint8Array, binding: RecordAadFields): Uint8Array {
  const parts = decodeWrappedKey(wrapped);
  const bound = recordAad(binding);
  const theirs = createPublicKey({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(parts.ephemeralPublicKey).toString("base64url") }, format: "jwk" });
  const shared = diffieHellman({ privateKey, publicKey: theirs });
  const kek = Buffer.from(hkdfSync("sha256", shared, Buffer.concat([parts.ephemeralPublicKey, publicKey]), Buffer.concat([LABEL, bound]), 32));
  shared.fill(0);
  try {
    const decipher = createDecipheriv("aes-256-gcm", kek, parts.nonce, { authTagLength: 16 });
    decipher.setAAD(Buffer.concat([Uint8Array.of(parts.version), bound]));
    decipher.setAuthTag(parts.ciphertext.subarray(32));
    return new Uint8Array(Buffer.concat([decipher.update(parts.ciphertext.subarray(0, 32)), decipher.final()]));
  } finally {
    kek.fill(0);
  }
}

/**
 * The load generator's reader: what `resolver.release` of the SDK does on the wire (same bodies, same digest, a
 * 65-byte ECDSA signature), with the CPU of a client kept low so that a load test measures the resolver: the
 * signature is libsecp256k1's over `accessRequestDigest` (the SDK's digest, tested equal to ethers'
 * `TypedDataEncoder.hash`), the one-time key and the unwrap are node:crypto's X25519, and the resolver's address is
 * pinned (no `GET /v1/info` per request). Every request is new: its own one-time key, a random 128-bit nonce and a
 * deadline from the wall clock.
 * @param options Resolver URL and address, the reader's key, the domain and the purpose.
 */
export function loadClient(options: { url: string; resolver: string; wallet: Wallet; domain: TypedDataDomain; purpose: string; ttlSeconds?: bigint }): LoadClient {
  const signingKey = Buffer.from(options.wallet.privateKey.slice(2), "hex");
  const requester = options.wallet.address;
  return {
    async release(tokenId, binding, onSigned) {
      const ephemeral = generateKeyPairSync("x25519");
      const publicKey = Buffer.from(ephemeral.publicKey.export({ format: "jwk" }).x!, "base64url");
      const request: AccessRequest = {
        requester,
        resolver: options.resolver,
        tokenId,
        purpose: options.purpose,
        ephemeralPublicKey: `0x${publicKey.toString("hex")}`,
        deadline: wallClockSeconds() + (options.ttlSeconds ?? 120n),
        nonce: BigInt(`0x${randomBytes(16).toString("hex")}`),
      };
      const digest = accessRequestDigest(options.domain, request);
      const { signature, recid } = ecdsaSign(Buffer.from(digest.slice(2), "hex"), signingKey);
      const signed = `0x${Buffer.from(signature).toString("hex")}${(27 + recid).toString(16)}`;
      onSigned?.(digest);
      const released = await resolverFetch<KeyReleaseBody>(options.url, RESOLVER_ROUTES.access, { method: "POST", body: accessRequestToBody(request, signed) });
      if (BigInt(released.tokenId) !== tokenId || released.disclosure?.requestHash?.toLowerCase() !== digest) {
        throw new Error("the resolver answered with another record or without this request's disclosure");
      }
      const wrapped = Buffer.from(released.wrappedKey.slice(2), "hex");
      if (wrapped.length !== WRAPPED_KEY_LENGTH) throw new Error("the resolver released a malformed wrap");
      const version = BigInt(released.version);
      return { version, dataKey: openWrap(ephemeral.privateKey, publicKey, wrapped, binding(version)), requestHash: digest };
    },
  };
}
