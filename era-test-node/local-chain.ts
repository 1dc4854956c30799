import path from "node:path";
import { fetchChainId, waitForChainId } from "./json-rpc";
import { findFreePort, isPortFree } from "./ports";
import { spawnHardhatNode } from "./hardhat-node-process";

export { localChainSigners, HARDHAT_MNEMONIC } from "./signers";

/** A running local chain, or an external one named by `ZKSYNC_RPC_URL`. */
export interface LocalChain {
  /** The HTTP JSON-RPC endpoint. */
  rpcUrl: string;
  /** What the chain answered to `eth_chainId`. */
  chainId: bigint;
  /** `hardhat-node`: a child process started here; `external`: a chain someone else runs. */
  kind: "hardhat-node" | "external";
  /**
   * The node's process id (`hardhat-node` only), leader of its own process group: `process.kill(-pid, "SIGSTOP")`
   * pauses the whole node (tests of a node that stops answering and comes back).
   */
  pid?: number;
  /** Stops the chain started here (no-op for an external chain). Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startLocalChain}. */
export interface StartLocalChainOptions {
  /** Interface to bind. Defaults to `127.0.0.1`. */
  host?: string;
  /** Port to bind. Defaults to a free port chosen by the OS. */
  port?: number;
  /** How long to wait for the chain to answer `eth_chainId`. Defaults to 60 s. */
  timeoutMs?: number;
  /** Receives the node's output lines (private keys redacted). Output is discarded when unset. */
  log?: (line: string) => void;
}

/** The repository root, where `node_modules/hardhat` and `hardhat.config.ts` live. */
const REPO_ROOT = path.resolve(__dirname, "..");

/**
 * Starts a local chain and waits until it answers JSON-RPC.
 *
 * Without `ZKSYNC_RPC_URL` it spawns an offline Hardhat node (chain id 31337) on `host:port` in its own
 * process group. With `ZKSYNC_RPC_URL` set, nothing is spawned: the URL must answer `eth_chainId` and is
 * returned as an `external` chain whose `stop()` does nothing.
 * @param options Interface, port, startup timeout and an optional logger; see {@link StartLocalChainOptions}.
 * @throws When the port is taken, the node exits during startup (the message carries its output tail),
 * or the chain does not answer within `timeoutMs`.
 */
export async function startLocalChain(options: StartLocalChainOptions = {}): Promise<LocalChain> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const external = process.env.ZKSYNC_RPC_URL;
  if (external) return connectExternal(external, timeoutMs);

  const host = options.host ?? "127.0.0.1";
  let port = options.port;
  if (port === undefined) port = await findFreePort(host);
  else if (!(await isPortFree(host, port))) throw new Error(`cannot start a local chain: port ${port} on ${host} is already in use`);

  const rpcUrl = `http://${host}:${port}`;
  const node = spawnHardhatNode({ host, port, root: REPO_ROOT, log: options.log });
  const exitedEarly = node.exited.then(async (exit) => {
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the last output arrive
    const how = exit.error ? exit.error.message : exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
    const tail = node.outputTail();
    return new Error(`hardhat node exited during startup (${how})${tail ? `:\n${tail}` : ""}`);
  });
  try {
    const chainId = await waitForChainId(rpcUrl, { timeoutMs, abort: exitedEarly });
    return { rpcUrl, chainId, kind: "hardhat-node", pid: node.pid, stop: () => node.stop() };
  } catch (error) {
    await node.stop();
    throw error;
  }
}

/** Checks that `rpcUrl` answers `eth_chainId` once and wraps it as an external chain. */
async function connectExternal(rpcUrl: string, timeoutMs: number): Promise<LocalChain> {
  let chainId: bigint;
  try {
    chainId = await fetchChainId(rpcUrl, Math.min(timeoutMs, 10_000));
  } catch (error) {
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new Error(`ZKSYNC_RPC_URL=${rpcUrl} does not answer eth_chainId: ${reason}`);
  }
  return { rpcUrl, chainId, kind: "external", stop: async () => undefined };
}
