import type { ContractRunner } from "ethers";
// The factories one by one: the index of the contract types loads every factory (start-up time).
import { RecordToken__factory } from "../chain/contracts/factories/contracts/RecordToken__factory";
import type { RecordToken } from "../chain/contracts";
import type { ContentStore } from "../storage/types";
import type { RecordAadFields } from "../crypto";
import type { KeyStore, RecordVersionRef } from "./key-store";

/** What reading and writing records needs: the chain, the record token, the content store and the key store. */
export interface RecordsContext {
  chainId: bigint;
  recordToken: RecordToken;
  store: ContentStore;
  keys: KeyStore;
  /**
   * Where an ingest keeps a record's wraps from before its mint until the mint is mined (the writer's own store),
   * when `keys` must not see them before (a resolver's deposit, which needs the record minted): `keys` gets them
   * once the mint is mined. Unset: `keys` gets them before the mint.
   */
  stagingKeys?: KeyStore;
}

/**
 * Builds a {@link RecordsContext}.
 * @param options Chain id, RecordToken address and a runner for reads, the content store, the key store and the staging key store.
 */
export function recordsContext(options: {
  chainId: bigint;
  recordToken: string;
  runner: ContractRunner;
  store: ContentStore;
  keys: KeyStore;
  stagingKeys?: KeyStore;
}): RecordsContext {
  return {
    chainId: options.chainId,
    recordToken: RecordToken__factory.connect(options.recordToken, options.runner),
    store: options.store,
    keys: options.keys,
    ...(options.stagingKeys === undefined ? {} : { stagingKeys: options.stagingKeys }),
  };
}

/** The AAD fields and key-store reference of one record version. */
export async function versionRef(context: RecordsContext, tokenId: bigint, version: bigint): Promise<RecordVersionRef & RecordAadFields> {
  return { chainId: context.chainId, recordToken: await context.recordToken.getAddress(), tokenId, version };
}
