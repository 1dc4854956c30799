/**
 * `medrec breakglass …`: emergency READ access through an M-of-N Safe (ARCHITECTURE.md, flow 6), done by officers
 * from their own machines, passing a proposal file (`proposal-file.ts`) from one to the next:
 *
 * - `propose`: `breakglass.propose` builds the Safe transaction calling `ConsentManager.emergencyAccess` (checked
 *   first with a call from the Safe) and its proposal file (the format is the SDK's, `breakglass.parseProposal`);
 *   the reason text is only hashed, never written or printed;
 * - `sign <file>`: `breakglass.approveProposal` checks the file (chain, deployment, hash recomputed by protocol-kit,
 *   current nonce, signatures collected so far) and adds the identity's owner signature (EIP-712); the file is
 *   rewritten atomically;
 * - `execute <file>`: `breakglass.executeProposal` sends `execTransaction` from the identity's funded key;
 * - `status <file>`: `breakglass.status`: threshold, who signed (each signature checked), the Safe's nonce, executed or not.
 *
 * The Safe contract addresses come from the config (`medrec init` with a deployment that has a `safe` section).
 *
 * @module
 */
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { breakglass, files, vocabulary } from "@medrec/sdk";
import type { CliConfig } from "../config";
import { CommandContext, type CliIo } from "../context";
import { CliError, ExitCode } from "../errors";
import { parseAddress, parsePositiveInt, parseTokenId } from "../options";
import { keyValues, table } from "../output";
import { reasonText } from "../reason-input";
import { configuredSafe } from "../safe-config";

/** The longest emergency access the CLI proposes, in minutes (the vocabulary's cap, `ConsentManager`'s 24 h). */
export const MAX_EMERGENCY_MINUTES = vocabulary.MAX_EMERGENCY_DURATION_SECONDS / 60;

type BreakGlassProposal = breakglass.BreakGlassProposal;

interface ProposeOptions {
  safe?: string;
  token: bigint;
  grantee: string;
  reason?: string;
  reasonFile?: string;
  minutes: number;
  out: string;
  force?: boolean;
}

/** Registers `medrec breakglass …`. */
export function registerBreakGlass(program: Command, io: CliIo): void {
  const breakglass = program
    .command("breakglass")
    .description("emergency READ access through the officers' M-of-N Safe: propose, sign, execute, status");
  breakglass
    .command("propose")
    .description("build the Safe transaction opening emergency access and write it to a proposal file (no reason text in it)")
    .option("--safe <address>", "the break-glass Safe (default: the deployment's officers' Safe)", parseAddress)
    .requiredOption("--token <id>", "the record token to open", parseTokenId)
    .requiredOption("--grantee <address>", "the active provider who gets READ access", parseAddress)
    .option("--reason <text>", "why (hashed only; prefer --reason-file: command lines are visible to other users)")
    .option("--reason-file <file>", "read the reason from a file, or - for standard input")
    .option("--minutes <n>", `how long the access lasts, 1..${MAX_EMERGENCY_MINUTES}`, parsePositiveInt, 60)
    .requiredOption("--out <file>", "the proposal file to write (mode 0600)")
    .option("--force", "replace an existing proposal file")
    .action(async (options: ProposeOptions, command: Command) => propose(CommandContext.of(command, io), options));
  breakglass
    .command("sign")
    .description("check a proposal file and add the identity's owner signature to it")
    .argument("<proposal>", "the proposal file")
    .action(async (file: string, _options: unknown, command: Command) => sign(CommandContext.of(command, io), file));
  breakglass
    .command("execute")
    .description("execute a proposal signed by enough owners (the identity pays the gas; it need not be an owner)")
    .argument("<proposal>", "the proposal file")
    .action(async (file: string, _options: unknown, command: Command) => execute(CommandContext.of(command, io), file));
  breakglass
    .command("status")
    .description("a proposal's threshold, signatures (each checked), the Safe's nonce, and whether it can be executed")
    .argument("<proposal>", "the proposal file")
    .action(async (file: string, _options: unknown, command: Command) => status(CommandContext.of(command, io), file));
}

// ------------------------------------------------------------------ propose

async function propose(ctx: CommandContext, options: ProposeOptions): Promise<void> {
  const config = await ctx.config();
  const safeAddress = options.safe ?? configuredSafe(config).breakGlass;
  if (!safeAddress) {
    throw new CliError("SAFE_REQUIRED", "the deployment has no officers' Safe: name the break-glass Safe with --safe <address>", ExitCode.USAGE);
  }
  if (options.minutes > MAX_EMERGENCY_MINUTES) {
    throw new CliError("INVALID_DURATION", `--minutes must be 1..${MAX_EMERGENCY_MINUTES} (emergency access lasts at most ${MAX_EMERGENCY_MINUTES / 60} h)`, ExitCode.INVALID_INPUT);
  }
  const out = path.resolve(ctx.io.cwd, options.out);
  if (!options.force && (await exists(out))) {
    throw new CliError("PROPOSAL_EXISTS", `${out} exists (it may hold signatures); use --force to replace it`, ExitCode.USAGE);
  }
  const reason = await reasonText(options, ctx.io);
  const identity = await ctx.identity(config);

  const proposal = await ctx.withClient(config, {}, async ({ client }) => {
    const safe = await breakglass.connect(client, { safeAddress });
    const proposed = await breakglass.propose(client, {
      safe,
      tokenId: options.token,
      grantee: options.grantee,
      reason,
      durationSeconds: options.minutes * 60,
      proposer: identity.address,
    });
    return proposed.file;
  });
  await files.writePrivateFile(out, breakglass.proposalText(proposal));

  await ctx.output.result({ file: out, ...summary(proposal), signatures: {} }, () =>
    [
      `break-glass proposal written to ${out} (mode 0600)`,
      keyValues(summaryPairs(proposal)),
      "The reason text is not in the file: give it to the officers out of band; its keccak256 is the reason hash.",
      `Next: each owner runs \`medrec breakglass sign ${options.out}\`, then anyone funded runs \`medrec breakglass execute ${options.out}\`.`,
    ].join("\n"),
  );
}

// ------------------------------------------------------------------ sign

/** The configuration (which must name the Safe contracts), and the proposal file `name`, read. */
async function readProposal(ctx: CommandContext, name: string): Promise<{ config: CliConfig; file: string; text: string }> {
  const config = await ctx.config();
  configuredSafe(config);
  const file = path.resolve(ctx.io.cwd, name);
  try {
    return { config, file, text: await readFile(file, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CliError("FILE_NOT_FOUND", `no such file: ${file}`, ExitCode.NOT_FOUND);
    throw new CliError("FILE_UNREADABLE", `cannot read ${file} (${code ?? "error"})`, ExitCode.INVALID_INPUT);
  }
}

async function sign(ctx: CommandContext, name: string): Promise<void> {
  const { config, file, text } = await readProposal(ctx, name);
  const result = await ctx.withClient(config, {}, async ({ client }) => {
    const proposal = breakglass.openProposal(client, { text, source: file }); // checked before the key is unlocked
    const signer = await ctx.signer(config);
    const safe = await breakglass.connect(client, { safeAddress: proposal.safe, signerPrivateKey: signer.privateKey });
    return { signer: signer.address, ...(await breakglass.approveProposal(client, { safe, proposal })) };
  });
  const { proposal, added, signer } = result;
  if (added) await files.writePrivateFile(file, breakglass.proposalText(proposal));

  const { approvers, threshold } = result.approvals;
  await ctx.output.result(
    {
      file,
      ...summary(proposal),
      signer,
      added,
      approvals: approvers,
      threshold,
      executable: approvers.length >= threshold,
    },
    () =>
      [
        added ? `signed by ${signer}; ${file} updated` : `${signer} had already signed; ${file} unchanged`,
        keyValues([
          ...summaryPairs(proposal),
          ["approvals", `${approvers.length} of ${threshold}${approvers.length > 0 ? ` (${approvers.join(", ")})` : ""}`],
        ]),
        approvers.length >= threshold ? `ready: run \`medrec breakglass execute ${name}\`` : `${threshold - approvers.length} more owner signature(s) needed`,
      ].join("\n"),
  );
}

// ------------------------------------------------------------------ execute

async function execute(ctx: CommandContext, name: string): Promise<void> {
  const { config, file, text } = await readProposal(ctx, name);
  const done = await ctx.withClient(config, {}, async ({ client, provider }) => {
    const proposal = breakglass.openProposal(client, { text, source: file }); // checked before the key is unlocked
    const payer = await ctx.fundedSigner(config, provider);
    const safe = await breakglass.connect(client, { safeAddress: proposal.safe, signerPrivateKey: payer.privateKey });
    return breakglass.executeProposal(client, { safe, proposal, pollingIntervalMs: 200 });
  });

  const expiresAt = new Date(Number(done.expiresAt) * 1000).toISOString();
  await ctx.output.result(
    {
      file,
      transactionHash: done.transactionHash,
      blockNumber: done.blockNumber,
      gasUsed: done.gasUsed,
      safe: done.approvedBy,
      safeTxHash: done.safeTxHash,
      approvers: done.approvers,
      tokenId: done.tokenId,
      patient: done.patient,
      grantee: done.grantee,
      reasonHash: done.reasonHash,
      expiresAt: done.expiresAt,
      expiresAtIso: expiresAt,
    },
    () =>
      [
        `emergency READ access granted on record ${done.tokenId} to ${done.grantee} until ${expiresAt}`,
        keyValues([
          ["transaction", done.transactionHash],
          ["block", String(done.blockNumber)],
          ["gas used", done.gasUsed.toString(10)],
          ["approved by", `${done.approvedBy} (Safe; owners ${done.approvers.join(", ")})`],
          ["patient", done.patient],
          ["reason hash", done.reasonHash],
        ]),
      ].join("\n"),
  );
}

// ------------------------------------------------------------------ status

async function status(ctx: CommandContext, name: string): Promise<void> {
  const { config, file, text } = await readProposal(ctx, name);
  const { proposal, facts } = await ctx.withClient(config, {}, async ({ client }) => {
    const opened = breakglass.openProposal(client, { text, source: file });
    const safe = await breakglass.connect(client, { safeAddress: opened.safe });
    return { proposal: opened, facts: await breakglass.status(client, { safe, proposal: opened }) };
  });

  await ctx.output.result(
    {
      file,
      ...summary(proposal),
      safeNonce: facts.safeNonce,
      threshold: facts.threshold,
      owners: facts.owners,
      signatures: facts.signatures,
      approvedOnChain: facts.approvedOnChain,
      approvals: facts.approvals,
      missing: facts.missing,
      state: facts.state,
      executable: facts.state === "executable",
      execution: facts.execution,
    },
    () =>
      [
        keyValues([
          ...summaryPairs(proposal),
          ["Safe nonce", String(facts.safeNonce)],
          ["owners", facts.owners.join(", ")],
          ["approvals", `${facts.approvals.length} of ${facts.threshold}`],
          ["state", facts.state + (facts.execution ? ` in ${facts.execution.transactionHash}` : "")],
        ]),
        facts.signatures.length > 0
          ? table(
              [{ header: "signed by" }, { header: "valid" }],
              facts.signatures.map((s) => [s.owner, s.valid ? "yes" : "no"]),
            )
          : "no signatures yet",
      ].join("\n"),
  );
}

// ------------------------------------------------------------------ shared

/** The facts of a proposal that every command prints (never the reason text: it is not in the file). */
function summary(proposal: BreakGlassProposal) {
  return {
    chainId: proposal.chainId,
    safe: proposal.safe,
    consentManager: proposal.consentManager,
    proposer: proposal.proposer,
    createdAt: proposal.createdAt,
    tokenId: proposal.call.tokenId,
    grantee: proposal.call.grantee,
    durationSeconds: proposal.call.durationSeconds,
    reasonHash: proposal.reasonHash,
    nonce: proposal.safeTransaction.nonce,
    safeTxHash: proposal.safeTxHash,
  };
}

function summaryPairs(proposal: BreakGlassProposal): [string, string][] {
  return [
    ["Safe", proposal.safe],
    ["safeTxHash", proposal.safeTxHash],
    ["record", proposal.call.tokenId],
    ["grantee", proposal.call.grantee],
    ["duration", `${proposal.call.durationSeconds / 60} min`],
    ["Safe tx nonce", String(proposal.safeTransaction.nonce)],
    ["reason hash", proposal.reasonHash],
    ["proposed by", `${proposal.proposer} at ${proposal.createdAt}`],
  ];
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
