/**
 * The patient's Ceramic session: a did:pkh authorised by a Sign-In-With-Ethereum message (CACAO) that the patient's
 * key signs, with `did-session` and `@didtools/pkh-ethereum` (`EthereumNodeAuth`).
 *
 * `eip1193FromSigner` is the minimal EIP-1193 provider `@didtools/pkh-ethereum` needs (`eth_chainId`,
 * `eth_accounts`, `personal_sign`), over an ethers `Signer`'s `signMessage` — what a browser wallet does for a web
 * app. The session's DID is a did:key with a capability from `did:pkh:eip155:<chainId>:<address>`; documents it
 * writes are controlled by that did:pkh (`session.did.parent`).
 *
 * Smart-account patients: Ceramic verifies the CACAO with plain secp256k1 recovery (no ERC-1271), so the session
 * must be signed by the account's owner key, and the documents are controlled by the owner's did:pkh — not by the
 * account's. The FHIR resource still names the account as the patient; `ConsentDocument.controller` says who
 * writes. A change of owner (recovery) needs a new session; earlier documents stay controlled by the old owner DID.
 *
 * @module
 */
import type { Signer } from "ethers";
import { getBytes, isHexString } from "ethers";
import type { DIDSession } from "did-session";
import { ceramicModules } from "./ceramic-modules";
import { ConsentStoreError } from "./consent-store";
import { describeCeramicError } from "./ceramic-model";

/** An EIP-1193 provider (the subset `@didtools/pkh-ethereum` calls). */
export interface Eip1193Provider {
  request(args: { method: string; params?: readonly unknown[] }): Promise<unknown>;
}

/**
 * A minimal EIP-1193 provider backed by an ethers Signer: `eth_chainId`, `eth_accounts` / `eth_requestAccounts`,
 * `personal_sign` (EIP-191, via `signer.signMessage`). Anything else is refused.
 * @param signer The patient's (or smart-account owner's) signer.
 * @param chainId The chain named in the did:pkh; use the chain the patient is registered on.
 */
export function eip1193FromSigner(signer: Signer, chainId: bigint | number): Eip1193Provider {
  return {
    async request({ method, params = [] }) {
      switch (method) {
        case "eth_chainId":
          return `0x${BigInt(chainId).toString(16)}`;
        case "eth_accounts":
        case "eth_requestAccounts":
          return [await signer.getAddress()];
        case "personal_sign": {
          const [message, address] = params as [string, string | undefined];
          if (address !== undefined && address.toLowerCase() !== (await signer.getAddress()).toLowerCase()) {
            throw new Error("personal_sign: address is not the signer's");
          }
          return signer.signMessage(typeof message === "string" && isHexString(message) ? getBytes(message) : message);
        }
        default:
          throw Object.assign(new Error(`eip1193FromSigner: unsupported method ${method}`), { code: 4200 });
      }
    },
  };
}

/** Options of {@link createPkhSession}. */
export interface PkhSessionOptions {
  /** The chain of the did:pkh; default the signer's provider's chain, else 1. */
  chainId?: bigint | number;
  /** Restrict the session to documents of this model (`ceramic://*?model=<id>`); default all streams. */
  modelId?: string;
  /** SIWE domain / application name; default `medrec`. */
  appName?: string;
  /** Session lifetime; default 1 day. */
  expiresInSecs?: number;
}

/**
 * Authorises a did:pkh Ceramic session: the signer signs one SIWE message (CACAO) naming a fresh session key.
 * @returns The session; `session.did` goes to `ceramic.did`, `session.did.parent` is the controller did:pkh.
 * @throws ConsentStoreError (operation `connect`) when the signer refuses or fails.
 */
export async function createPkhSession(signer: Signer, options: PkhSessionOptions = {}): Promise<DIDSession> {
  try {
    const { DIDSession, EthereumNodeAuth, getAccountId } = await ceramicModules();
    const chainId = options.chainId ?? (await signer.provider?.getNetwork())?.chainId ?? 1n;
    const provider = eip1193FromSigner(signer, chainId);
    const accountId = await getAccountId(provider, await signer.getAddress());
    const authMethod = await EthereumNodeAuth.getAuthMethod(provider, accountId, options.appName ?? "medrec");
    return await DIDSession.authorize(authMethod, {
      resources: [options.modelId === undefined ? "ceramic://*" : `ceramic://*?model=${options.modelId}`],
      expiresInSecs: options.expiresInSecs ?? 86_400,
    });
  } catch (error) {
    throw new ConsentStoreError("connect", `did:pkh session not authorised: ${describeCeramicError(error)}`, { cause: error });
  }
}
