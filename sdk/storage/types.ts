/**
 * The storage interface every medrec content store implements.
 *
 * @module
 */

/** `0x` + 64 lowercase hex digits: SHA-256 of a whole stored object, as recorded by `RecordToken`. */
export type ContentHash = `0x${string}`;

/** A CID as the SDK accepts it: base32 (or any multibase) string, or the binary CIDv1 stored on-chain. */
export type CidInput = string | Uint8Array;

/** What {@link ContentStore.put} returns: everything `RecordToken.mint` / `update` needs. */
export interface PutResult {
  /** The object's root CID: CIDv1, base32 (`bafk…` for one raw block, `bafy…` for a UnixFS dag-pb root). */
  readonly cid: string;
  /** The same CID in binary form (`0x01 ‖ codec ‖ multihash`, 36 bytes for SHA-256), as `RecordToken` stores it. */
  readonly cidBytes: Uint8Array;
  /** Number of payload bytes stored. */
  readonly size: number;
  /** SHA-256 of the payload ({@link ContentHash}); the value to record on-chain. */
  readonly contentHash: ContentHash;
}

/** Options of {@link ContentStore.get}. */
export interface GetOptions {
  /**
   * SHA-256 recorded on-chain for this object. When given, the reassembled object is hashed and a difference
   * throws `ContentHashMismatchError`. Every block is verified against its CID either way.
   */
  readonly expectedContentHash?: string;
}

/**
 * A content-addressed store of opaque byte objects (sealed medrec records).
 *
 * Objects are UnixFS files (CIDv1, raw leaves, 1 MiB chunks), so the same bytes get the same CID in every store.
 * `get` never returns bytes it has not verified against their content address.
 */
export interface ContentStore {
  /**
   * Stores `bytes` as one object (idempotent: the same bytes give the same CID).
   * @param bytes The payload; not logged, not kept in memory after the call.
   * @returns The CID (string and binary), the size and the SHA-256 of the payload.
   */
  put(bytes: Uint8Array): Promise<PutResult>;

  /**
   * Fetches an object, re-hashing every block against its CID.
   * @param cid The root CID from {@link PutResult} (string or binary).
   * @param options `expectedContentHash`: the SHA-256 recorded on-chain.
   * @returns The payload bytes.
   * @throws {ContentNotFoundError} If nothing is stored under `cid`.
   * @throws {ContentIntegrityError} If a block (or piece) does not match its content address.
   * @throws {ContentHashMismatchError} If the object's SHA-256 differs from `expectedContentHash`.
   */
  get(cid: CidInput, options?: GetOptions): Promise<Uint8Array>;

  /**
   * Deletes an object (unpins it and removes the blocks no other object needs). Idempotent.
   * @param cid The root CID.
   * @returns `true` if something was removed, `false` if nothing was stored under `cid`.
   */
  remove(cid: CidInput): Promise<boolean>;

  /** Releases files, connections and timers. The store cannot be used afterwards. */
  close(): Promise<void>;
}
