import net from "node:net";
import { Writable } from "node:stream";
import { Wallet, type TypedDataDomain } from "ethers";
import type { FastifyInstance } from "fastify";
import { bytesToHex, generateEncryptionKeyPair } from "../../sdk/crypto";
import { resolverChain } from "../../resolver/chain";
import { DEFAULT_LIMITS, type ResolverLimits } from "../../resolver/config";
import { createResolverContext } from "../../resolver/context";
import { openResolverDatabase, type ResolverDatabase, type StorageFaults } from "../../resolver/database";
import { resolverIdentity, type ResolverIdentity } from "../../resolver/identity";
import { buildResolverApp } from "../../resolver/server";
import type { ContractSignatureChecker } from "../../resolver/signature";

/** The chain id the chainless resolver believes in (no node serves it). */
export const CHAINLESS_CHAIN_ID = 31337n;

/** The real resolver app (the process's `buildResolverApp`) with no chain behind it, for `inject`. */
export interface ChainlessResolver {
  app: FastifyInstance;
  identity: ResolverIdentity;
  /** The domain requests to this resolver are signed under. */
  domain: TypedDataDomain;
  database: ResolverDatabase;
  /** Every log line the app wrote. */
  logs: string[];
  close(): Promise<void>;
}

/** Options of {@link chainlessResolver}. */
export interface ChainlessResolverOptions {
  limits?: Partial<ResolverLimits>;
  trustedProxyHops?: number;
  /** ERC-1271 checks; default: every account is an EOA (no code), so no check ever vouches. */
  contractSignatures?: ContractSignatureChecker;
  /** The chain's endpoint (default: a port nobody listens on), e.g. a node that never answers or a fresh chain. */
  rpcUrl?: string;
  /** Faults injected into the database's statements. */
  databaseFaults?: StorageFaults;
}

/** A checker that says every account is an EOA: no signature is vouched for by a contract. */
export const NO_CONTRACTS: ContractSignatureChecker = {
  isContract: async () => false,
  vouches: async () => false,
};

/** A TCP port nothing listens on (one just freed), so that every chain read is refused at once. */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}

/**
 * Builds the resolver's app exactly as the process does, over a context whose chain is a JSON-RPC endpoint nobody
 * listens on and whose database is in memory. Everything the resolver checks before it asks the chain runs for
 * real; a request that gets as far as the chain is answered 503 `CHAIN_UNAVAILABLE` (nothing can be released: there
 * is no chain to disclose on). So a refusal test whose check were removed sees that 503 instead.
 * @param options Limits, trusted proxy hops, and the ERC-1271 stand-in.
 */
export async function chainlessResolver(options: ChainlessResolverOptions = {}): Promise<ChainlessResolver> {
  const identity = resolverIdentity(Wallet.createRandom().privateKey, bytesToHex(generateEncryptionKeyPair().privateKey));
  const consentManager = Wallet.createRandom().address;
  const chain = resolverChain({
    rpcUrl: options.rpcUrl ?? `http://127.0.0.1:${await deadPort()}`,
    chainId: CHAINLESS_CHAIN_ID,
    consentManager,
    recordToken: Wallet.createRandom().address,
    signerPrivateKey: identity.signerPrivateKey,
  });
  const database = await openResolverDatabase(":memory:", { faults: options.databaseFaults });
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const context = { ...createResolverContext(chain, database, { identity, consentManager, limits }), contractSignatures: options.contractSignatures ?? NO_CONTRACTS };
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString("utf8").split("\n").filter((line) => line.length > 0));
      done();
    },
  });
  const app = buildResolverApp(context, { logLevel: "info", logStream, scannedBlock: () => -1, trustedProxyHops: options.trustedProxyHops });
  await app.ready();
  return {
    app,
    identity,
    domain: context.domain,
    database,
    logs,
    async close() {
      await app.close();
      chain.provider.destroy();
      await database.close();
    },
  };
}
