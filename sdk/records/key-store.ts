/**
 * The key-store interface of `sdk/records`: where the wrapped data keys of records are kept. Adapters implement it
 * (`fileKeyStore` on disk, `resolverKeyStore` in front of a resolver); this file imports nothing, so a browser can
 * implement it too.
 *
 * @module
 */

/** Which record version a set of wrapped keys opens. */
export interface RecordVersionRef {
  chainId: bigint;
  recordToken: string;
  tokenId: bigint;
  version: bigint;
}

/** One wrapped data key: the recipient's X25519 public key and the 93-byte wrap. */
export interface StoredWrap {
  recipient: Uint8Array;
  wrappedKey: Uint8Array;
}

/**
 * Where the wrapped data keys of records are kept. Wrapped keys are ciphertext (each opens only with its
 * recipient's private key), so they may sit on disk or travel; private keys never go here.
 */
export interface KeyStore {
  /** Adds wraps for a record version (replacing wraps of the same recipients). */
  save(ref: RecordVersionRef, wraps: StoredWrap[]): Promise<void>;
  /** The wraps of a record version; empty when none are known. */
  load(ref: RecordVersionRef): Promise<StoredWrap[]>;
  /** Forgets every version of a record (crypto-shredding of this store's copies). */
  forget(ref: Omit<RecordVersionRef, "version">): Promise<void>;
}
