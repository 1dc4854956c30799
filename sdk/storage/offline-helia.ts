/**
 * The offline Helia node of a store folder: libp2p with no transports, no listen addresses and no discovery, and
 * Helia with no block brokers and no routers, so a missing block is reported, never fetched. The one place this
 * configuration is written (the store and the tests that write folders the way older versions did use it).
 *
 * @module
 */
import type { Helia } from "@helia/utils";
import type { FsBlockstore } from "blockstore-fs";
import type { FsDatastore } from "datastore-fs";
import { loadEsm, type EsmModules } from "./esm";

/** The offline libp2p node under the Helia node. */
export type OfflineLibp2p = Awaited<ReturnType<EsmModules["libp2p"]["createLibp2p"]>>;

/**
 * Creates and starts the offline Helia node over an opened blockstore and datastore.
 * @param blockstore The folder's block files.
 * @param datastore The folder's Helia datastore.
 * @returns The started node; stop it before closing the stores.
 */
export async function startOfflineHelia(blockstore: FsBlockstore, datastore: FsDatastore): Promise<Helia<OfflineLibp2p>> {
  const [{ createLibp2p }, { Helia: HeliaNode }] = await Promise.all([loadEsm("libp2p"), loadEsm("@helia/utils")]);
  const libp2p = await createLibp2p({
    // libp2p keeps its own in-memory datastore: nothing of it (peer ids, addresses) is persisted.
    start: false,
    addresses: { listen: [] },
    transports: [],
    streamMuxers: [],
    connectionEncrypters: [],
    peerDiscovery: [],
    connectionMonitor: { enabled: false },
  });
  const helia = new HeliaNode({ libp2p, blockstore, datastore, blockBrokers: [], routers: [] });
  await helia.start();
  return helia;
}
