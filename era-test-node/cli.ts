/**
 * `npm run node`: runs the local chain in the foreground until Ctrl+C (SIGINT) or SIGTERM.
 *
 *   LOCAL_CHAIN_PORT   port to bind (default 8545)
 *   LOCAL_CHAIN_LOG=1  also print the node's own request log
 *   ZKSYNC_RPC_URL     use that chain instead of starting one (only checks that it answers)
 */
import { localChainSigners, startLocalChain } from "./local-chain";

/** Parses LOCAL_CHAIN_PORT; defaults to 8545. */
function portFromEnv(value = process.env.LOCAL_CHAIN_PORT): number {
  if (value === undefined || value === "") return 8545;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`LOCAL_CHAIN_PORT is not a port: ${value}`);
  return port;
}

async function main(): Promise<void> {
  process.env.HARDHAT_TELEMETRY_DISABLED = "1";
  const chain = await startLocalChain({
    port: portFromEnv(),
    log: process.env.LOCAL_CHAIN_LOG === "1" ? (line) => console.log(`[node] ${line}`) : undefined,
  });
  console.log(`local chain (${chain.kind}) ready`);
  console.log(`  RPC URL   ${chain.rpcUrl}`);
  console.log(`  chain id  ${chain.chainId}`);
  if (chain.kind === "hardhat-node") {
    const accounts = localChainSigners(chain.rpcUrl, 5);
    console.log(`  funded accounts (default Hardhat mnemonic), first ${accounts.length}:`);
    accounts.forEach((wallet, index) => console.log(`    #${index}  ${wallet.address}`));
    accounts[0]?.provider?.destroy();
  }
  console.log("press Ctrl+C to stop");

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the local chain…`);
    chain.stop().then(
      () => {
        console.log("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  // An external chain holds no handle open here: keep the process in the foreground until a signal.
  if (chain.kind === "external") setInterval(() => undefined, 1 << 30);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
