/**
 * The demo's key-release service, for real: fastify on 127.0.0.1, its state in SQLite, its Ethereum key holding
 * RESOLVER_ROLE and a fresh X25519 key-release key that record keys are wrapped to.
 *
 * @module
 */
import path from "node:path";
import type { Wallet } from "ethers";
import type { LocalChain } from "../era-test-node/local-chain";
import type { DeploymentFile } from "../deploy/deployment-file";
import { bytesToHex, generateEncryptionKeyPair } from "../sdk/crypto";
import { DEFAULT_LIMITS } from "../resolver/config";
import { resolverIdentity } from "../resolver/identity";
import { startResolver, type RunningResolver } from "../resolver/server";

/** Starts the resolver of `deployment` on `chain`, as `key` (the account holding RESOLVER_ROLE), its database in `dir`. */
export function startDemoResolver(chain: LocalChain, deployment: DeploymentFile, key: Wallet, dir: string): Promise<RunningResolver> {
  return startResolver({
    rpcUrl: chain.rpcUrl,
    consentManager: deployment.contracts.ConsentManager.address,
    recordToken: deployment.contracts.RecordToken.address,
    startBlock: deployment.startBlock,
    databaseFile: path.join(dir, "resolver.sqlite"),
    host: "127.0.0.1",
    port: 0,
    identity: resolverIdentity(key.privateKey, bytesToHex(generateEncryptionKeyPair().privateKey)),
    limits: DEFAULT_LIMITS,
    burnPollMs: 200,
    logLevel: "silent",
  });
}
