/**
 * What every command starts from: the global options (`--json`, `--home`, `--wide`), the output, and helpers that load
 * the config, unlock the identity and make the command's medrec client (`client.ts`), closing what they opened.
 *
 * @module
 */
import type { Command } from "commander";
import type { JsonRpcProvider, Wallet } from "ethers";
import { loadConfig, resolveHome, type CliConfig } from "./config";
import { withMedrecClient, type ClientAccount, type ClientOptions, type CliClient } from "./client";
import { loadIdentity, passphraseFromEnv, unlockEncryptionKey, unlockSigner, type IdentityInfo } from "./identity";
import { CliError, ExitCode } from "./errors";
import { Output, type TextSink } from "./output";
import { tableWidth } from "./terminal";
import { FUND_OPTION, isLocalChain } from "./dev-funding";

/** Where a command reads its environment and writes its output (overridable in tests). */
export interface CliIo {
  stdout: TextSink;
  stderr: TextSink;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where `-` (standard input) is read from, for the commands that accept it; the process's stdin by default. */
  stdin?: NodeJS.ReadableStream;
}

/** The process's own streams, environment and folder. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    get stdin() {
      return process.stdin; // created on first use only
    },
  };
}

/** The options every command has. */
export interface GlobalOptions {
  json?: boolean;
  home?: string;
  /** Tables whole (never shortened) and every audit event on its own line. */
  wide?: boolean;
}

/** One command run. */
export class CommandContext {
  readonly json: boolean;
  /** `--wide`: tables whole, audit events one per line. */
  readonly wide: boolean;
  readonly home: string;
  readonly output: Output;

  constructor(
    readonly io: CliIo,
    globals: GlobalOptions,
  ) {
    this.json = globals.json === true;
    this.wide = globals.wide === true;
    this.home = resolveHome(globals.home, io.env, io.cwd);
    this.output = new Output(this.json, io.stdout, io.stderr, tableWidth(io.stdout, io.env, this.wide));
  }

  /** The context of the command being run (its options merged with the program's). */
  static of(command: Command, io: CliIo): CommandContext {
    return new CommandContext(io, command.optsWithGlobals<GlobalOptions>());
  }

  /** `<home>/config.json`. */
  config(): Promise<CliConfig> {
    return loadConfig(this.home);
  }

  /** The identity's public part (nothing decrypted). */
  async identity(config: CliConfig): Promise<IdentityInfo> {
    return loadIdentity(config.identity);
  }

  /** The identity's Ethereum key, decrypted with `MEDREC_PASSPHRASE`. */
  async signer(config: CliConfig): Promise<Wallet> {
    return unlockSigner(config.identity, passphraseFromEnv(this.io.env));
  }

  /**
   * The identity's Ethereum key, decrypted and connected to `provider`, after checking that it holds ETH for gas.
   * @throws {CliError} `INSUFFICIENT_FUNDS` (5) when its balance is zero (naming `--fund-from-dev-account` on a
   *   local chain).
   */
  async fundedSigner(config: CliConfig, provider: JsonRpcProvider): Promise<Wallet> {
    const signer = (await this.signer(config)).connect(provider);
    if ((await provider.getBalance(signer.address)) === 0n) {
      const hint = isLocalChain(config)
        ? ` (on this local chain, \`medrec patient create ${FUND_OPTION}\` sends it ETH from the node's dev account)`
        : "";
      throw new CliError(
        "INSUFFICIENT_FUNDS",
        `${signer.address} has no ETH to pay for gas on chain ${config.chainId}; fund it first${hint}`,
        ExitCode.REFUSED,
      );
    }
    return signer;
  }

  /** The identity's X25519 private key, decrypted with `MEDREC_PASSPHRASE`; zeroise when done. */
  async encryptionKey(config: CliConfig): Promise<Uint8Array> {
    return unlockEncryptionKey(config.identity, passphraseFromEnv(this.io.env));
  }

  /**
   * Runs `work` with the command's medrec client (see `client.ts`), closed afterwards.
   * @param options `account`: `none` (default: reads only, no passphrase needed), `signer` (the identity signs),
   *   `funded` (the identity signs and pays gas: its balance is checked first); the store, the resolver, the page size.
   */
  withClient<T>(config: CliConfig, options: ClientOptions, work: (session: CliClient) => Promise<T>): Promise<T> {
    return withMedrecClient(config, options, (provider) => this.accountKey(config, provider, options.account ?? "none"), work);
  }

  private async accountKey(config: CliConfig, provider: JsonRpcProvider, account: ClientAccount): Promise<Wallet | undefined> {
    if (account === "none") return undefined;
    if (account === "funded") return this.fundedSigner(config, provider);
    return (await this.signer(config)).connect(provider);
  }
}
