/**
 * `medrec breakglass …`: emergency READ access through an M-of-N Safe (ARCHITECTURE.md, flow 6), done by officers
 * from their own machines, passing a proposal file (`proposal-file.ts`) from one to the next:
 *
 * - `propose`: builds the Safe transaction calling `ConsentManager.emergencyAccess` (checked first with a call from
 *   the Safe) and writes the proposal file; the reason text is only hashed, never written or printed;
 * - `sign <file>`: checks the file (chain, deployment, hash recomputed by protocol-kit, current nonce, signatures
 *   collected so far) and adds the identity's owner signature (EIP-712); the file is rewritten atomically;
 * - `execute <file>`: sends `execTransaction` from the identity's funded key through `executeEmergencyAccess`;
 * - `status <file>`: threshold, who signed (each signature checked), the Safe's nonce, executed or not.
 *
 * The Safe contract addresses come from the config (`medrec init` with a deployment that has a `safe` section).
 *
 * @module
 */
import { access } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { getAddress, id, type JsonRpcProvider } from "ethers";
import { checkProposalTarget, connectConfiguredSafe, proposalFileOf, safeTransactionOf, signaturesOf } from "../breakglass-safe";
import type { CliConfig } from "../config";
import { CommandContext, type CliIo } from "../context";
import { MedrecError } from "../../../sdk/errors";
import { CliError, ExitCode } from "../errors";
import { parseAddress, parsePositiveInt, parseTokenId } from "../options";
import { keyValues, table } from "../output";
import { readProposalFile, writeProposalFile, type BreakGlassProposal } from "../proposal-file";
import { reasonText } from "../reason-input";
import { configuredSafe } from "../safe-config";
import { MAX_EMERGENCY_DURATION_SECONDS } from "../../../sdk/vocabulary";

/** The longest emergency access the CLI proposes, in minutes (the vocabulary's cap, `ConsentManager`'s 24 h). */
export const MAX_EMERGENCY_MINUTES = MAX_EMERGENCY_DURATION_SECONDS / 60;

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
  const { safe: safeConfig } = configuredSafe(config);
  const safeAddress = options.safe ?? safeConfig.breakGlass;
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
  const durationSeconds = options.minutes * 60;

  const proposal = await ctx.withChain(config, async (chain) => {
    const connection = await connectConfiguredSafe(config, chain.provider, safeAddress);
    const { proposeEmergencyAccess } = await import("../../../sdk/breakglass");
    const built = await proposeEmergencyAccess({
      safe: connection,
      consentManager: config.contracts.ConsentManager,
      tokenId: options.token,
      grantee: options.grantee,
      reason,
      durationSeconds,
    });
    // ConsentManager must accept the call from the Safe now (role or delegate, active grantee, live record):
    // officers should not collect signatures for a call the chain refuses. The error mapper decodes the revert.
    try {
      await chain.provider.call({ from: built.safeAddress, to: config.contracts.ConsentManager, data: built.safeTransaction.data.data });
    } catch (cause) {
      throw new MedrecError("PROPOSAL_REFUSED", "refused", `ConsentManager would refuse this emergency access from the Safe ${built.safeAddress}`, { cause });
    }
    return proposalFileOf(built, {
      chainId: config.chainId,
      consentManager: config.contracts.ConsentManager,
      proposer: identity.address,
      tokenId: options.token,
      grantee: options.grantee,
      durationSeconds,
    });
  });
  await writeProposalFile(out, proposal);

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

/**
 * The configuration (which must name the Safe contracts) and the proposal file `name`, checked to be for this
 * chain and deployment.
 */
async function openProposal(ctx: CommandContext, name: string): Promise<{ config: CliConfig; file: string; proposal: BreakGlassProposal }> {
  const config = await ctx.config();
  configuredSafe(config);
  const file = path.resolve(ctx.io.cwd, name);
  const proposal = await readProposalFile(file);
  checkProposalTarget(proposal, config);
  return { config, file, proposal };
}

async function sign(ctx: CommandContext, name: string): Promise<void> {
  const { config, file, proposal } = await openProposal(ctx, name);
  const signer = await ctx.signer(config);

  const result = await ctx.withChain(config, async (chain) => {
    const connection = await connectConfiguredSafe(config, chain.provider, proposal.safe, signer.privateKey);
    const transaction = await safeTransactionOf(connection, proposal);
    const { collectedApprovals, signEmergencyAccess } = await import("../../../sdk/breakglass");
    await requireCurrentNonce(proposal, await connection.getNonce());
    // Every signature collected so far must be an owner's, over this transaction.
    const current = await collectedApprovals(connection, transaction);
    if (proposal.signatures[signer.address] !== undefined) return { added: false, signatures: proposal.signatures, approvals: current };
    const signed = await signEmergencyAccess(connection, transaction);
    return { added: true, signatures: signaturesOf(signed), approvals: await collectedApprovals(connection, signed) };
  });
  if (result.added) await writeProposalFile(file, { ...proposal, signatures: result.signatures });

  const { approvers, threshold } = result.approvals;
  await ctx.output.result(
    {
      file,
      ...summary(proposal),
      signer: signer.address,
      added: result.added,
      approvals: approvers,
      threshold,
      executable: approvers.length >= threshold,
    },
    () =>
      [
        result.added ? `signed by ${signer.address}; ${file} updated` : `${signer.address} had already signed; ${file} unchanged`,
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
  const { config, file, proposal } = await openProposal(ctx, name);

  const done = await ctx.withChain(config, async (chain) => {
    const payer = await ctx.fundedSigner(config, chain);
    const connection = await connectConfiguredSafe(config, chain.provider, proposal.safe, payer.privateKey);
    const transaction = await safeTransactionOf(connection, proposal);
    const { executeEmergencyAccess } = await import("../../../sdk/breakglass");
    return executeEmergencyAccess(connection, transaction, { pollingIntervalMs: 200 });
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

/** Where a proposal stands. */
type ProposalState = "awaiting-signatures" | "executable" | "executed" | "stale" | "queued";

const EXECUTION_SUCCESS_TOPIC = id("ExecutionSuccess(bytes32,uint256)");

async function status(ctx: CommandContext, name: string): Promise<void> {
  const { config, file, proposal } = await openProposal(ctx, name);

  const facts = await ctx.withChain(config, async (chain) => {
    const connection = await connectConfiguredSafe(config, chain.provider, proposal.safe);
    await safeTransactionOf(connection, proposal);
    const [owners, threshold, safeNonce, approvedOnChain] = await Promise.all([
      connection.getOwners(),
      connection.getThreshold(),
      connection.getNonce(),
      connection.getOwnersWhoApprovedTx(proposal.safeTxHash),
    ]);
    const execution = proposal.safeTransaction.nonce < safeNonce ? await findExecution(chain.provider, config, proposal) : null;
    return { owners: owners.map((owner) => getAddress(owner)), threshold, safeNonce, approvedOnChain: approvedOnChain.map((o) => getAddress(o)), execution };
  });

  const { ownerSignatureSigner } = await import("../../../sdk/breakglass");
  const signatures = Object.entries(proposal.signatures).map(([owner, signature]) => ({
    owner,
    valid: facts.owners.includes(owner) && ownerSignatureSigner(proposal.safeTxHash, signature) === owner,
  }));
  const approvals = [...new Set([...signatures.filter((s) => s.valid).map((s) => s.owner), ...facts.approvedOnChain])];
  const nonce = proposal.safeTransaction.nonce;
  const state: ProposalState = facts.execution
    ? "executed"
    : nonce < facts.safeNonce
      ? "stale"
      : nonce > facts.safeNonce
        ? "queued"
        : approvals.length >= facts.threshold
          ? "executable"
          : "awaiting-signatures";

  await ctx.output.result(
    {
      file,
      ...summary(proposal),
      safeNonce: facts.safeNonce,
      threshold: facts.threshold,
      owners: facts.owners,
      signatures,
      approvedOnChain: facts.approvedOnChain,
      approvals,
      missing: Math.max(0, facts.threshold - approvals.length),
      state,
      executable: state === "executable",
      execution: facts.execution,
    },
    () =>
      [
        keyValues([
          ...summaryPairs(proposal),
          ["Safe nonce", String(facts.safeNonce)],
          ["owners", facts.owners.join(", ")],
          ["approvals", `${approvals.length} of ${facts.threshold}`],
          ["state", state + (facts.execution ? ` in ${facts.execution.transactionHash}` : "")],
        ]),
        signatures.length > 0
          ? table(
              [{ header: "signed by" }, { header: "valid" }],
              signatures.map((s) => [s.owner, s.valid ? "yes" : "no"]),
            )
          : "no signatures yet",
      ].join("\n"),
  );
}

/** The Safe's `ExecutionSuccess` of this proposal, if any (looked for only once the Safe's nonce has passed it). */
async function findExecution(
  provider: JsonRpcProvider,
  config: CliConfig,
  proposal: BreakGlassProposal,
): Promise<{ transactionHash: string; blockNumber: number } | null> {
  const logs = await provider.getLogs({ address: proposal.safe, topics: [EXECUTION_SUCCESS_TOPIC, proposal.safeTxHash], fromBlock: config.startBlock });
  return logs.length > 0 ? { transactionHash: logs[0].transactionHash, blockNumber: logs[0].blockNumber } : null;
}

// ------------------------------------------------------------------ shared

/** @throws `BreakGlassError` `STALE_NONCE` (5) when the proposal is not at the Safe's current nonce. */
async function requireCurrentNonce(proposal: BreakGlassProposal, safeNonce: number): Promise<void> {
  if (proposal.safeTransaction.nonce === safeNonce) return;
  const { BreakGlassError } = await import("../../../sdk/breakglass");
  throw new BreakGlassError(
    "STALE_NONCE",
    `the proposal has nonce ${proposal.safeTransaction.nonce} but the Safe is at ${safeNonce} (${proposal.safeTransaction.nonce < safeNonce ? "already executed or replaced" : "an earlier Safe transaction is pending"})`,
  );
}

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
