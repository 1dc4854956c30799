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
}

/**
 * Builds a {@link RecordsContext}.
 * @param options Chain id, RecordToken address and a runner for reads, the content store and the key store.
 */
export function recordsContext(options: {
  chainId: bigint;
  recordToken: string;
  runner: ContractRunner;
  store: ContentStore;
  keys: KeyStore;
}): RecordsContext {
  return {
    chainId: options.chainId,
    recordToken: RecordToken__factory.connect(options.recordToken, options.runner),
    store: options.store,
    keys: options.keys,
  };
}

/** The AAD fields and key-store reference of one record version. */
export async function versionRef(context: RecordsContext, tokenId: bigint, version: bigint): Promise<RecordVersionRef & RecordAadFields> {
  return { chainId: context.chainId, recordToken: await context.recordToken.getAddress(), tokenId, version };
}
