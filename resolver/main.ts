/**
 * `npm run resolver`: the key-release service.
 *
 *   npm run resolver -- keygen --out .medrec/resolver-key.json   # new keys (mode 0600); prints the address
 *   RESOLVER_KEY_FILE=.medrec/resolver-key.json npm run resolver  # serve (configuration: resolver/config.ts)
 *
 * SIGTERM / SIGINT shut it down gracefully: requests in flight finish, then the database is closed.
 */
import { bytesToHex } from "@medrec/sdk/crypto";
import { resolverConfigFromEnv } from "./config";
import { generateIdentityFile } from "./identity";
import { startResolver } from "./server";

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "keygen") {
    const outIndex = argv.indexOf("--out");
    const file = outIndex >= 0 ? argv[outIndex + 1] : ".medrec/resolver-key.json";
    if (!file) throw new Error("usage: keygen --out <file>");
    const identity = await generateIdentityFile(file);
    console.log(JSON.stringify({ keyFile: file, address: identity.address, encryptionPublicKey: bytesToHex(identity.encryptionPublicKey) }));
    console.error(`grant RESOLVER_ROLE on ConsentManager to ${identity.address} (deploy: MEDREC_RESOLVER=${identity.address})`);
    return;
  }
  const resolver = await startResolver(await resolverConfigFromEnv());
  resolver.app.log.info({ url: resolver.url, address: resolver.chain.wallet.address, chainId: resolver.chain.chainId.toString() }, "resolver listening");
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    resolver.app.log.info({ signal }, "shutting down");
    resolver.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
