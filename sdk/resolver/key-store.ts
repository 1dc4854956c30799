import type { Signer, TypedDataDomain } from "ethers";
import { equalBytes, hexToBytes, type BytesLike } from "../crypto/bytes";
import type { KeyStore } from "../records/key-store";
import { depositRecordKey } from "./client";
import type { ResolverUrl } from "./http";

/** Options of {@link resolverKeyStore}. */
export interface ResolverKeyStoreOptions {
  url: ResolverUrl;
  /** The resolver's X25519 public key (from `resolverInfo`): wraps to it are deposited with the resolver. */
  resolverPublicKey: BytesLike;
  /** Signs the deposits: the writer's key (a provider), or the patient account's owner key. */
  signer: Signer;
  domain: TypedDataDomain;
  /** The depositing account when it is not `signer` (a patient's smart account). */
  depositor?: string;
}

/**
 * A key store that keeps every wrap in `local` and, in addition, deposits the wrap made for the resolver's key
 * with the resolver: what "written at ingest by the SDK" means. Use it as the `keys` of a records context
 * whose ingest lists the resolver's public key among the recipients.
 * @param local Where the writer keeps its own copies.
 * @param options The resolver and how deposits are signed.
 */
export function resolverKeyStore(local: KeyStore, options: ResolverKeyStoreOptions): KeyStore {
  const resolverKey = typeof options.resolverPublicKey === "string" ? hexToBytes(options.resolverPublicKey) : options.resolverPublicKey;
  return {
    async save(ref, wraps) {
      await local.save(ref, wraps);
      for (const wrap of wraps) {
        if (!equalBytes(wrap.recipient, resolverKey)) continue;
        await depositRecordKey({
          url: options.url,
          signer: options.signer,
          domain: options.domain,
          depositor: options.depositor,
          tokenId: ref.tokenId,
          version: ref.version,
          wrappedKey: wrap.wrappedKey,
        });
      }
    },
    load: (ref) => local.load(ref),
    forget: (ref) => local.forget(ref),
  };
}
