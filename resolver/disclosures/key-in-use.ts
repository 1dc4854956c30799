import { rpcRequest } from "@medrec/sdk/chain/json-rpc";

/** Time limit of each start-up count, in ms. */
const COUNT_TIMEOUT_MS = 10_000;

/**
 * Start-up found transactions of the disclosure account in the node's pool that this resolver's database never
 * handed out: another process sends with the same key right now (a second copy of the resolver on another database
 * or host). The two would take each other's nonces and fail each other's batches, so this one does not start.
 */
export class DisclosureKeyInUseError extends Error {
  /**
   * @param address The disclosure account.
   * @param latest The chain's count of its mined transactions.
   * @param pending The node's count including its pool.
   * @param handedOut The next nonce the database says this resolver handed out (undefined: none yet).
   */
  constructor(
    readonly address: string,
    readonly latest: number,
    readonly pending: number,
    readonly handedOut: number | undefined,
  ) {
    super(
      `the disclosure key ${address} is in use by another process: the node holds ${pending - Math.max(latest, handedOut ?? latest)} pending ` +
        `transaction(s) of it that this resolver's database did not send (nonces ${Math.max(latest, handedOut ?? latest)}..${pending - 1}); ` +
        `a second copy of this resolver? One resolver runs per disclosure key and database: stop the other one, or give this one its own key ` +
        `(npm run resolver -- keygen) with RESOLVER_ROLE and its own RESOLVER_DB`,
    );
    this.name = "DisclosureKeyInUseError";
  }
}

/**
 * Refuses to start on a disclosure key another process is using: the node's `pending` count of the account is ahead
 * of both its mined count and every nonce this resolver's database handed out (`handedOut`, the high-water mark: its
 * own earlier run's unmined transactions are its own, taken by no-ops before it sends). A copy idle at this moment is
 * not seen here; it is seen at the first clash (`/healthz`'s `disclosure-key-shared`).
 * @param rpcUrl The node.
 * @param address The disclosure account.
 * @param handedOut The database's nonce high-water mark for this chain and account.
 * @throws {DisclosureKeyInUseError} Another sender's transactions are pending.
 */
export async function refuseDisclosureKeyInUse(rpcUrl: string, address: string, handedOut: number | undefined): Promise<void> {
  const count = async (tag: "latest" | "pending") => Number(await rpcRequest<string>(rpcUrl, "eth_getTransactionCount", [address, tag], COUNT_TIMEOUT_MS));
  const [latest, pending] = await Promise.all([count("latest"), count("pending")]);
  if (pending > Math.max(latest, handedOut ?? latest)) throw new DisclosureKeyInUseError(address, latest, pending, handedOut);
}
