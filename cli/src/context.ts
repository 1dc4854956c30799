/**
 * What every command starts from: the global options (`--json`, `--home`, `--wide`), the output, and helpers that load
 * the config, unlock the identity and make the command's medrec client (`client.ts`), closing what they opened.
 *
 * @module
 */
import type { Command } from "commander";
import type { JsonRpcProvider, Wallet } from "ethers";
import { loadConfig, resolveHome, type CliConfig } from "./config";
import { withMedrecClient, type ClientOptions, type CliClient } from "./client";
import { ceramicChoice, type CeramicChoice, type CeramicOptions } from "./consent-store";
import { PASSPHRASE_ENV, loadIdentity, passphraseFromEnv, unlockEncryptionKey, unlockSigner, type IdentityInfo } from "./identity";
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
  /** `--no-ceramic`, `--ceramic-url`, `--ceramic-model`. */
  ceramic?: boolean;
  ceramicUrl?: string;
  ceramicModel?: string;
}

/** One command run. */
export class CommandContext {
  readonly json: boolean;
  /** `--wide`: tables whole, audit events one per line. */
  readonly wide: boolean;
  readonly home: string;
  readonly output: Output;
  /** The Ceramic options of the command line. */
  readonly ceramicOptions: CeramicOptions;

  constructor(
    readonly io: CliIo,
    globals: GlobalOptions,
  ) {
    this.json = globals.json === true;
    this.wide = globals.wide === true;
    this.home = resolveHome(globals.home, io.env, io.cwd);
    this.ceramicOptions = { ceramic: globals.ceramic, ceramicUrl: globals.ceramicUrl, ceramicModel: globals.ceramicModel };
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
   * Checks that the identity's key holds ETH for gas.
   * @throws {CliError} `INSUFFICIENT_FUNDS` (5) when its balance is zero (naming `--fund-from-dev-account` on a
   *   local chain).
   */
  async requireFunds(config: CliConfig, signer: Wallet, provider: JsonRpcProvider): Promise<void> {
    if ((await provider.getBalance(signer.address)) > 0n) return;
    const hint = isLocalChain(config) ? ` (on this local chain, \`medrec patient create ${FUND_OPTION}\` sends it ETH from the node's dev account)` : "";
    throw new CliError("INSUFFICIENT_FUNDS", `${signer.address} has no ETH to pay for gas on chain ${config.chainId}; fund it first${hint}`, ExitCode.REFUSED);
  }

  /** The identity's Ethereum key, decrypted and connected to `provider`, after checking that it holds ETH for gas. */
  async fundedSigner(config: CliConfig, provider: JsonRpcProvider): Promise<Wallet> {
    const signer = (await this.signer(config)).connect(provider);
    await this.requireFunds(config, signer, provider);
    return signer;
  }

  /** The identity's X25519 private key, decrypted with `MEDREC_PASSPHRASE`; zeroise when done. */
  async encryptionKey(config: CliConfig): Promise<Uint8Array> {
    return unlockEncryptionKey(config.identity, passphraseFromEnv(this.io.env));
  }

  /** Where this command's consent documents go (`--no-ceramic`, `--ceramic-url`, the environment, the config). */
  ceramic(config: CliConfig): CeramicChoice {
    return ceramicChoice(this.ceramicOptions, this.io.env, config, this.home);
  }

  /**
   * Whether a reading command (`consent list`, `audit`) opens the consent documents for their purpose texts: only
   * when Ceramic is on and `MEDREC_PASSPHRASE` is set (the session is the identity's); otherwise a note says why not.
   */
  consentDocuments(config: CliConfig): { open: boolean; note?: string } {
    if (this.ceramic(config).kind === "none") return { open: false };
    if (!this.io.env[PASSPHRASE_ENV]) return { open: false, note: `purposes in words not shown: reading consent documents needs the identity's key (${PASSPHRASE_ENV} is not set)` };
    return { open: true };
  }

  /**
   * Runs `work` with the command's medrec client (see `client.ts`), closed afterwards.
   * @param options `account`: `none` (default: reads only, no passphrase needed), `signer` (the identity signs),
   *   `funded` (the identity signs and pays gas: its balance is checked first); `consents`: open the consent store
   *   as the identity; the store, the resolver, the page size.
   */
  withClient<T>(config: CliConfig, options: ClientOptions, work: (session: CliClient) => Promise<T>): Promise<T> {
    const keys = { unlock: () => this.signer(config), requireFunds: (signer: Wallet, provider: JsonRpcProvider) => this.requireFunds(config, signer, provider), ceramic: this.ceramic(config) };
    return withMedrecClient(config, options, keys, work);
  }
}
