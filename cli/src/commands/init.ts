/**
 * `medrec init --rpc <url> --deployment <file> [--import-key <hex>] [--force]`: writes `<home>/config.json`
 * (RPC URL, the node's chain id, the deployment's addresses and start block, its Safe contracts and officers' Safe
 * when the deployment file has a `safe` section, the store folders) and creates the identity (an Ethereum key and
 * an X25519 key pair, encrypted with `MEDREC_PASSPHRASE`).
 *
 * @module
 */
import { rename } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { JsonRpcProvider, Network, Wallet } from "ethers";
import { vocabulary } from "@medrec/sdk";
import { fetchChainId } from "../chain";
import { CONTRACT_NAMES, makePrivateDir, readDeploymentFile, writeConfig, type CliConfig } from "../config";
import { CommandContext, type CliIo } from "../context";
import { CERAMIC_DIR, ceramicSetting } from "../consent-store";
import type { CliSafeConfig } from "../safe-config";
import { CliError, ExitCode } from "../errors";
import {
  createIdentity,
  identityDir,
  identityExists,
  loadIdentity,
  parsePrivateKey,
  passphraseFromEnv,
  unlockEncryptionKey,
  type IdentityInfo,
} from "../identity";
import { keyValues } from "../output";

/** The environment variable that may hold an existing Ethereum key to import. */
export const PRIVATE_KEY_ENV = "MEDREC_PRIVATE_KEY";

interface InitOptions {
  rpc: string;
  deployment: string;
  importKey?: string;
  force?: boolean;
  ipfs?: string;
}

/** Registers `medrec init`. */
export function registerInit(program: Command, io: CliIo): void {
  program
    .command("init")
    .description("configure the chain and deployment, and create the encrypted identity (MEDREC_PASSPHRASE)")
    .requiredOption("--rpc <url>", "JSON-RPC URL of the chain")
    .requiredOption("--deployment <file>", "deployment file written by deploy/deploy.ts (deployments/<network>.json)")
    .option("--import-key <hex>", `use this existing Ethereum private key (prefer ${PRIVATE_KEY_ENV}: command lines are visible to other users)`)
    .option("--force", "replace an existing identity (the old one is kept as identity.replaced-<time>)")
    .option("--ipfs <dir>", "folder of the embedded content store (default <home>/ipfs); identities of one site may share one")
    .action(async (options: InitOptions, command: Command) => init(CommandContext.of(command, io), options));
}

async function init(ctx: CommandContext, options: InitOptions): Promise<void> {
  const passphrase = passphraseFromEnv(ctx.io.env);
  const importKey = options.importKey ?? (ctx.io.env[PRIVATE_KEY_ENV] || undefined);
  const importedKey = importKey === undefined ? undefined : parsePrivateKey(importKey);

  const deployment = await readDeploymentFile(path.resolve(ctx.io.cwd, options.deployment));
  const chainId = await fetchChainId(options.rpc);
  if (deployment.chainId !== null && BigInt(deployment.chainId) !== chainId) {
    throw new CliError(
      "CHAIN_MISMATCH",
      `the deployment is for chain ${deployment.chainId} but ${options.rpc} serves chain ${chainId}`,
      ExitCode.INVALID_INPUT,
    );
  }
  await requireDeployedCode(options.rpc, chainId, { ...deployment.contracts, ...safeAddresses(deployment.safe) });

  const home = ctx.home;
  const config: CliConfig = {
    version: 1,
    rpcUrl: options.rpc,
    chainId: chainId.toString(10),
    deployment: { file: deployment.file, network: deployment.network },
    contracts: deployment.contracts,
    startBlock: deployment.startBlock,
    ipfs: options.ipfs ? path.resolve(ctx.io.cwd, options.ipfs) : path.join(home, "ipfs"),
    keys: path.join(home, "keys"),
    identity: identityDir(home),
    ...(deployment.safe ? { safe: deployment.safe } : {}),
  };
  // `--no-ceramic` or a node of one's own at init is remembered; the embedded daemon is the default and not written.
  const ceramic = ceramicSetting(ctx.ceramic(config));
  if (ceramic !== undefined) config.ceramic = ceramic;
  await makePrivateDir(home);
  await makePrivateDir(config.ipfs);
  await makePrivateDir(config.keys);
  const { identity, created } = await ensureIdentity(config.identity, passphrase, importedKey, options.force === true);
  const file = await writeConfig(home, config);

  const did = vocabulary.didPkh(chainId, identity.address);
  await ctx.output.result(
    {
      home,
      config: file,
      chainId: config.chainId,
      rpcUrl: config.rpcUrl,
      contracts: config.contracts,
      startBlock: config.startBlock,
      safe: config.safe ?? null,
      ceramic: config.ceramic ?? { enabled: true, embedded: path.join(home, CERAMIC_DIR) },
      identity: { address: identity.address, did, encryptionPublicKey: identity.encryptionPublicKey, created, imported: created && importedKey !== undefined },
    },
    () =>
      [
        `medrec home ${home} ${created ? "initialised" : "re-configured (identity kept)"}`,
        keyValues([
          ["config", file],
          ["chain", `${config.chainId} at ${config.rpcUrl}`],
          ...CONTRACT_NAMES.map((name) => [name, config.contracts[name]] as const),
          ["start block", String(config.startBlock)],
          ["break-glass Safe", config.safe ? (config.safe.breakGlass ?? "(another authority)") : "(no Safe in this deployment)"],
          ["consent documents", config.ceramic === undefined ? `Ceramic daemon in ${path.join(home, CERAMIC_DIR)} (started when first needed)` : config.ceramic.enabled ? `Ceramic node ${config.ceramic.url}` : "none (--no-ceramic)"],
          ["address", `${identity.address}${created && importedKey !== undefined ? " (imported key)" : ""}`],
          ["did", did],
          ["encryption key", identity.encryptionPublicKey],
        ]),
        created ? "keys are stored encrypted with MEDREC_PASSPHRASE; keep it safe: it cannot be recovered" : "",
      ]
        .filter(Boolean)
        .join("\n"),
  );
}

/** The Safe singleton and the officers' Safe of a deployment's `safe` section, to check that they have code. */
function safeAddresses(safe: CliSafeConfig | undefined): Record<string, string> {
  if (!safe) return {};
  return { SafeL2: safe.contracts.safeSingleton, ...(safe.breakGlass ? { "break-glass Safe": safe.breakGlass } : {}) };
}

/** Fails when a contract of the deployment has no code on the chain (wrong RPC URL or a reset chain). */
async function requireDeployedCode(rpcUrl: string, chainId: bigint, contracts: Record<string, string>): Promise<void> {
  const provider = new JsonRpcProvider(rpcUrl, Network.from(chainId), { staticNetwork: true });
  try {
    for (const [name, address] of Object.entries(contracts)) {
      if ((await provider.getCode(address)) === "0x") {
        throw new CliError("DEPLOYMENT_NOT_ON_CHAIN", `${name} has no code at ${address} on chain ${chainId}`, ExitCode.INVALID_INPUT);
      }
    }
  } finally {
    provider.destroy();
  }
}

/** Creates the identity, or keeps the existing one after checking the passphrase (and the imported key) against it. */
async function ensureIdentity(
  dir: string,
  passphrase: string,
  importedKey: string | undefined,
  force: boolean,
): Promise<{ identity: IdentityInfo; created: boolean }> {
  if (await identityExists(dir)) {
    if (!force) {
      const existing = await loadIdentity(dir);
      if (importedKey !== undefined && new Wallet(importedKey).address !== existing.address) {
        throw new CliError(
          "IDENTITY_EXISTS",
          `an identity for ${existing.address} already exists in ${dir}; use --force to replace it`,
          ExitCode.USAGE,
        );
      }
      (await unlockEncryptionKey(dir, passphrase)).fill(0); // the passphrase must open the identity it keeps
      return { identity: existing, created: false };
    }
    await rename(dir, `${dir}.replaced-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  }
  return { identity: await createIdentity(dir, passphrase, importedKey), created: true };
}
