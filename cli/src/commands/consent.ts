/**
 * `medrec consent grant`: the identity, as patient, grants access with the `consent.grant` action (the consent
 * document is written to the client's consent store when it has one; the EIP-712 consent, naming the document by
 * its `metadataId`, is signed and submitted). `medrec consent revoke`: `consent.revoke` (the document moves to
 * inactive). `medrec consent list`: `consent.list`, the grants in force with each document's purpose in words.
 *
 * @module
 */
import { Option, type Command } from "commander";
import { ZeroHash } from "ethers";
import { consent as consents, vocabulary } from "@medrec/sdk";
import { CommandContext, type CliIo } from "../context";
import { CliError, ExitCode } from "../errors";
import { parseAddress, parsePositiveInt, parseScopes, parseTokenOrAll } from "../options";
import { keyValues, type Output } from "../output";

interface GrantOptions {
  grantee: string;
  token: bigint;
  scopes: number;
  purpose: vocabulary.ConsentPurpose;
  /** The purpose in the patient's words (default: a sentence made from the grant). */
  text?: string;
  days: number;
}

interface RevokeOptions {
  grantee: string;
  token: bigint;
}

/** Registers `medrec consent …`. */
export function registerConsent(program: Command, io: CliIo): void {
  const consent = program.command("consent").description("consents: grant, revoke, list");
  consent
    .command("grant")
    .description("grant access as the patient: the consent document, then the signed EIP-712 consent (ConsentManager.grant)")
    .requiredOption("--grantee <address>", "who gets access (an active provider, lab, insurer or researcher)", parseAddress)
    .requiredOption("--token <id|all>", "a record token id, or all for every record", parseTokenOrAll)
    .option("--scopes <list>", "comma-separated: READ, APPEND, ANNOTATE", parseScopes, vocabulary.Scope.READ)
    .addOption(new Option("--purpose <code>", "purpose of use").choices(vocabulary.CONSENT_PURPOSES).default(vocabulary.PURPOSES.TREATMENT.code))
    .option("--text <words>", "the purpose in your words, kept in the consent document (default: a sentence made from the grant)")
    .option("--days <n>", "days until the consent expires", parsePositiveInt, 30)
    .action(async (options: GrantOptions, command: Command) => grant(CommandContext.of(command, io), options));
  consent
    .command("revoke")
    .description("revoke the grant of a grantee on a token (ConsentManager.revoke); its document becomes inactive")
    .requiredOption("--grantee <address>", "whose access ends", parseAddress)
    .requiredOption("--token <id|all>", "the token id of the grant, or all", parseTokenOrAll)
    .action(async (options: RevokeOptions, command: Command) => revoke(CommandContext.of(command, io), options));
  consent
    .command("list")
    .description("the grants in force, from the chain's events, with the purpose in words of each consent document")
    .option("--patient <address>", "whose grants (default: the identity)", parseAddress)
    .action(async (options: { patient?: string }, command: Command) => list(CommandContext.of(command, io), options));
}

/** What the output says when a consent has no document. */
const NO_DOCUMENT = "none (--no-ceramic: the consent names no document; its metadata id is zero)";

/** `record #7`, or `all records`. */
const tokenWords = (tokenId: string) => (tokenId === "all" ? "all records" : `record #${tokenId}`);

async function grant(ctx: CommandContext, options: GrantOptions): Promise<void> {
  const config = await ctx.config();
  const result = await ctx.withClient(config, { account: "funded", consents: true }, async ({ client }) => {
    const latest = await client.provider.getBlock("latest");
    if (!latest) throw new CliError("NO_BLOCK", "the node returned no latest block", ExitCode.FAILURE, undefined, { category: "unavailable" });
    const expiresAt = BigInt(latest.timestamp) + BigInt(options.days) * 86_400n;
    const granted = await consents.grant(client, {
      grantee: options.grantee,
      tokenId: options.token,
      scopes: options.scopes,
      purpose: options.purpose,
      expiresAt,
      purposeText: options.text,
    });
    return { ...granted, purposeText: granted.streamId === null ? null : ((await client.consents!.load(granted.streamId)).document.purposeText ?? null) };
  });
  const c = result.consent;
  const tokenId = vocabulary.formatTokenId(c.tokenId);
  const scopes = vocabulary.scopeNames(c.scopes);
  const expiresAt = new Date(Number(c.expiresAt) * 1000).toISOString();
  await ctx.output.result(
    {
      consentId: result.consentId,
      patient: c.patient,
      grantee: c.grantee,
      tokenId,
      scopes,
      purpose: options.purpose,
      expiresAt,
      metadataId: result.metadataId,
      document: result.streamId,
      purposeText: result.purposeText,
      transactionHash: result.transactionHash,
    },
    () =>
      [
        `consent granted: ${scopes.join("+")} on ${tokenWords(tokenId)} to ${c.grantee} for ${options.purpose}`,
        keyValues([
          ["expires", expiresAt],
          ["consent id", result.consentId],
          ["document", result.streamId ?? NO_DOCUMENT],
          ...(result.purposeText === null ? [] : [["in words", result.purposeText] as [string, string]]),
          ["metadata id", result.metadataId === ZeroHash ? `${result.metadataId} (no document)` : result.metadataId],
          ["transaction", result.transactionHash],
        ]),
      ].join("\n"),
  );
}

async function revoke(ctx: CommandContext, options: RevokeOptions): Promise<void> {
  const config = await ctx.config();
  const identity = await ctx.identity(config);
  const result = await ctx.withClient(config, { account: "funded", consents: true }, ({ client }) => consents.revoke(client, { grantee: options.grantee, tokenId: options.token }));
  const token = vocabulary.formatTokenId(options.token);
  await ctx.output.result(
    { revoked: true, patient: identity.address, grantee: options.grantee, tokenId: token, transactionHash: result.transactionHash, document: result.streamId },
    () =>
      `consent revoked: ${options.grantee} on ${tokenWords(token)}\n` +
      keyValues([
        ["transaction", result.transactionHash],
        ["document", result.streamId === null ? "none" : `${result.streamId} (now inactive)`],
      ]),
  );
}

async function list(ctx: CommandContext, options: { patient?: string }): Promise<void> {
  const config = await ctx.config();
  const patient = options.patient ?? (await ctx.identity(config)).address;
  const documents = ctx.consentDocuments(config);
  const grants = await ctx.withClient(config, { consents: documents.open }, ({ client }) => consents.list(client, { patient }));
  if (documents.note !== undefined && grants.length > 0) await ctx.output.note(documents.note);
  await ctx.output.result({ patient, grants }, () => (grants.length === 0 ? `no grants in force for ${patient}` : grantsTable(ctx.output, grants)));
}

/**
 * The grants as a table fitted to the output's width (grantee addresses shortened in the middle), with the purpose
 * in words of each document when there are documents.
 */
function grantsTable(output: Output, grants: readonly consents.ListedGrant[]): string {
  const words = grants.some((g) => g.purposeText !== null);
  return output.table(
    [
      { header: "TOKEN", align: "right" },
      { header: "GRANTEE", shorten: "middle" },
      { header: "SCOPES" },
      { header: "PURPOSE" },
      ...(words ? [{ header: "IN WORDS" }] : []),
      { header: "EXPIRES" },
      { header: "GRANTED" },
    ],
    grants.map((g) => [g.tokenId, g.grantee, g.scopes.join(","), g.purpose ?? "-", ...(words ? [g.purposeText ?? "-"] : []), g.expiresAt ?? "never", g.grantedAt]),
  );
}
