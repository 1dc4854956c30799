/**
 * `medrec patient create`: registers the identity as a patient with its X25519 public key (`wallet.registerPatient`),
 * sent from its Ethereum key (which pays the gas). With `--fund-from-dev-account`, on a local chain
 * only, the identity first gets ETH from the node's dev account (see `dev-funding.ts`).
 * `medrec patient show [address]`: a patient's registration, read from the chain.
 *
 * @module
 */
import type { Command } from "commander";
import { eoaAccount, vocabulary, wallet, withAccount } from "@medrec/sdk";
import { CommandContext, type CliIo } from "../context";
import { parseAddress } from "../options";
import { keyValues } from "../output";
import { DEV_FUNDING_WEI, FUND_OPTION, fundFromDevAccount, requireLocalChain, type DevFunding } from "../dev-funding";
import { formatEther } from "ethers";

/** Registers `medrec patient …`. */
export function registerPatient(program: Command, io: CliIo): void {
  const patient = program.command("patient").description("patient registration");
  patient
    .command("create")
    .description("register the identity as a patient with its X25519 public key (needs ETH for gas)")
    .option(FUND_OPTION, `local chains only: first send the identity ${formatEther(DEV_FUNDING_WEI)} ETH from the node's first dev account`)
    .action(async (options: CreateOptions, command: Command) => create(CommandContext.of(command, io), options));
  patient
    .command("show")
    .description("show a patient's registration (default: the identity)")
    .argument("[address]", "patient address", parseAddress)
    .action(async (address: string | undefined, _options: unknown, command: Command) => show(CommandContext.of(command, io), address));
}

interface CreateOptions {
  fundFromDevAccount?: boolean;
}

async function create(ctx: CommandContext, options: CreateOptions): Promise<void> {
  const config = await ctx.config();
  const identity = await ctx.identity(config);
  if (options.fundFromDevAccount) requireLocalChain(config);
  let funding: DevFunding | null = null;
  const result = await ctx.withClient(config, {}, async ({ client, provider }) => {
    if (options.fundFromDevAccount) funding = await fundFromDevAccount(provider, identity.address);
    // Gas is checked (with the way to get some) only when a registration will be sent.
    const registered = await client.contracts.patientRegistry.isPatient(identity.address);
    const signer = registered ? (await ctx.signer(config)).connect(provider) : await ctx.fundedSigner(config, provider);
    return wallet.registerPatient(withAccount(client, await eoaAccount(signer, signer.address)), { encryptionKey: identity.encryptionPublicKey });
  });
  const fundedWith = funding as DevFunding | null;
  await ctx.output.result(
    {
      address: identity.address,
      did: result.did,
      encryptionPublicKey: identity.encryptionPublicKey,
      registered: true,
      alreadyRegistered: result.transactionHash === null,
      transactionHash: result.transactionHash,
      ...(fundedWith ? { funding: { from: fundedWith.from, amountWei: fundedWith.amount, transactionHash: fundedWith.transactionHash } } : {}),
    },
    () =>
      [
        result.transactionHash === null ? "already registered as a patient" : "registered as a patient",
        keyValues([
          ["address", identity.address],
          ["did", result.did],
          ["encryption key", identity.encryptionPublicKey],
          ...(result.transactionHash ? [["transaction", result.transactionHash] as const] : []),
          ...(fundedWith
            ? [["funded", fundedWith.transactionHash ? `${formatEther(fundedWith.amount)} ETH from ${fundedWith.from}` : "not needed (it holds ETH)"] as const]
            : []),
        ]),
      ].join("\n"),
  );
}

async function show(ctx: CommandContext, address: string | undefined): Promise<void> {
  const config = await ctx.config();
  const account = address ?? (await ctx.identity(config)).address;
  const state = await ctx.withClient(config, {}, async ({ client }) => {
    const registry = client.contracts.patientRegistry;
    const registered = await registry.isPatient(account);
    return { registered, encryptionKey: registered ? await registry.encryptionKeyOf(account) : null };
  });
  const did = vocabulary.didPkh(config.chainId, account);
  await ctx.output.result({ address: account, did, registered: state.registered, encryptionPublicKey: state.encryptionKey }, () =>
    keyValues([
      ["address", account],
      ["did", did],
      ["registered", state.registered ? "yes" : "no"],
      ["encryption key", state.encryptionKey ?? "-"],
    ]),
  );
}
