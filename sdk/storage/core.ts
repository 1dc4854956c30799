/**
 * The storage domain a reader needs, importing no Node built-in and no ESM-only IPFS package: the
 * {@link ContentStore} interface (a browser passes its own store, e.g. one over an HTTP gateway), the whole-object
 * content-hash check and the storage errors. `sdk/storage` adds the Helia and Filecoin stores, CAR and UnixFS.
 *
 * @module
 */
export type { CidInput, ContentHash, ContentStore, GetOptions, PutResult } from "./types";
export { checkContentHash, normaliseContentHash } from "./content-hash";
export {
  ContentNotFoundError,
  ContentIntegrityError,
  UnsupportedCidError,
  StoreClosedError,
  StorageConfigError,
  FilecoinUploadError,
  FilecoinRetrievalError,
  ContentHashMismatchError,
  InvalidArgumentError,
} from "./errors";
