import { getAddress, toBigInt, randomBytes, type Signer } from "ethers";
import { generateEncryptionKeyPair } from "../../sdk/crypto";
import {
  RESOLVER_ROUTES,
  accessRequestToBody,
  resolverFetch,
  signAccessRequest,
  wallClockSeconds,
  type AccessRequest,
  type AccessRequestBody,
  type KeyReleaseBody,
} from "../../sdk/resolver";
import { Purpose } from "../../sdk/vocabulary";
import type { ResolverStack } from "./resolver-stack";

/**
 * A signed `POST /v1/access` body, built by hand so that tests can bend any field: `overrides` change the
 * signed request, `tamper` changes the body after signing.
 * @param target The resolver the request names and the domain it is signed under (a stack, or a chainless resolver).
 */
export async function signedAccessBody(
  target: Pick<ResolverStack, "identity" | "domain">,
  signer: Signer,
  tokenId: bigint,
  overrides: Partial<AccessRequest> = {},
  tamper: Partial<AccessRequestBody> = {},
): Promise<{ body: AccessRequestBody; ephemeralPrivateKey: Uint8Array }> {
  const ephemeral = generateEncryptionKeyPair();
  const request: AccessRequest = {
    requester: getAddress(await signer.getAddress()),
    resolver: target.identity.address,
    tokenId,
    purpose: Purpose.TREATMENT,
    ephemeralPublicKey: ephemeral.publicKeyHex,
    deadline: wallClockSeconds() + 60n,
    nonce: toBigInt(randomBytes(16)),
    ...overrides,
  };
  const signature = await signAccessRequest(signer, target.domain, request);
  return { body: { ...accessRequestToBody(request, signature), ...tamper }, ephemeralPrivateKey: ephemeral.privateKey };
}

/** Posts an access body to `url` (default: the stack's resolver). */
export function postAccess(stack: ResolverStack, body: unknown, url = stack.resolver.url): Promise<KeyReleaseBody> {
  return resolverFetch<KeyReleaseBody>(url, RESOLVER_ROUTES.access, { method: "POST", body });
}

/** A raw HTTP exchange: status, headers and parsed body, for requests the SDK would never send. */
export async function rawRequest(url: string, init: RequestInit): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, headers: response.headers, body };
}
