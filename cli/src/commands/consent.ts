/**
 * `medrec consent grant`: the identity, as patient, signs an EIP-712 consent and submits it
 * (`ConsentManager.grant`). `medrec consent revoke`: `ConsentManager.revoke`. `medrec consent list`: the grants
 * in force, folded from the chain's events (grants minus revocations and expired ones).
 *
 * @module
 */
import { Option, type Command } from "commander";
import { encodeBytes32String, hexlify, randomBytes, toBigInt, type JsonRpcProvider } from "ethers";
import { consentDomain, signConsent, type Consent } from "../../../sdk/consent/typed-data";
import { CONSENT_PURPOSES, PURPOSES, Scope, formatTokenId, scopeNames, type ConsentPurpose } from "../../../sdk/vocabulary";
import { metadataIdFor, type ConsentDescription } from "../consent-metadata";
import { CommandContext, type CliIo } from "../context";
import { CliError, ExitCode } from "../errors";
import { currentGrants, type CurrentGrant } from "../../../sdk/audit/grants";
import { parseAddress, parsePositiveInt, parseScopes, parseTokenOrAll } from "../options";
import { keyValues, type Output } from "../output";

interface GrantOptions {
  grantee: string;
  token: bigint;
  scopes: number;
  purpose: ConsentPurpose;
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
    .description("sign an EIP-712 consent as the patient and submit it (ConsentManager.grant)")
    .requiredOption("--grantee <address>", "who gets access (an active provider, lab, insurer or researcher)", parseAddress)
    .requiredOption("--token <id|all>", "a record token id, or all for every record", parseTokenOrAll)
    .option("--scopes <list>", "comma-separated: READ, APPEND, ANNOTATE", parseScopes, Scope.READ)
    .addOption(new Option("--purpose <code>", "purpose of use").choices(CONSENT_PURPOSES).default(PURPOSES.TREATMENT.code))
    .option("--days <n>", "days until the consent expires", parsePositiveInt, 30)
    .action(async (options: GrantOptions, command: Command) => grant(CommandContext.of(command, io), options));
  consent
    .command("revoke")
    .description("revoke the grant of a grantee on a token (ConsentManager.revoke)")
    .requiredOption("--grantee <address>", "whose access ends", parseAddress)
    .requiredOption("--token <id|all>", "the token id of the grant, or all", parseTokenOrAll)
    .action(async (options: RevokeOptions, command: Command) => revoke(CommandContext.of(command, io), options));
  consent
    .command("list")
    .description("the grants in force, from the chain's events")
    .option("--patient <address>", "whose grants (default: the identity)", parseAddress)
    .action(async (options: { patient?: string }, command: Command) => list(CommandContext.of(command, io), options));
}

/** Time of the latest block, Unix seconds, and its number. */
async function latestBlock(provider: JsonRpcProvider): Promise<{ number: number; timestamp: number }> {
  const block = await provider.getBlock("latest");
  if (!block) throw new CliError("NO_BLOCK", "the node returned no latest block", ExitCode.FAILURE, undefined, { category: "unavailable" });
  return { number: block.number, timestamp: block.timestamp };
}

async function grant(ctx: CommandContext, options: GrantOptions): Promise<void> {
  const config = await ctx.config();
  const identity = await ctx.identity(config);
  const result = await ctx.withChain(config, async (chain) => {
    const wallet = await ctx.fundedSigner(config, chain);
    const consents = chain.contracts.consents.connect(wallet);
    const { timestamp } = await latestBlock(chain.provider);
    const expiresAt = BigInt(timestamp) + BigInt(options.days) * 86_400n;
    const description: ConsentDescription = {
      type: "medrec-consent",
      version: 1,
      chainId: chain.chainId.toString(10),
      consentManager: chain.addresses.ConsentManager,
      patient: identity.address,
      grantee: options.grantee,
      tokenId: formatTokenId(options.token),
      scopes: scopeNames(options.scopes),
      purpose: options.purpose,
      expiresAt: new Date(Number(expiresAt) * 1000).toISOString(),
    };
    const metadataId = await metadataIdFor(description);
    let nonce = toBigInt(hexlify(randomBytes(16)));
    while (await consents.isNonceUsed(identity.address, nonce)) nonce = toBigInt(hexlify(randomBytes(16)));
    const consent: Consent = {
      patient: identity.address,
      grantee: options.grantee,
      tokenId: options.token,
      scopes: options.scopes,
      purpose: encodeBytes32String(options.purpose),
      expiresAt,
      nonce,
      epoch: await consents.consentEpochOf(identity.address, options.token, options.grantee),
      metadataId,
    };
    const signature = await signConsent(wallet, consentDomain(chain.chainId, chain.addresses.ConsentManager), consent);
    const receipt = await (await consents.grant(consent, signature)).wait();
    if (!receipt || receipt.status !== 1) throw new CliError("TRANSACTION_FAILED", "the grant transaction failed", ExitCode.REFUSED);
    let consentId: string | null = null;
    for (const log of receipt.logs) {
      const parsed = consents.interface.parseLog(log);
      if (parsed?.name === "AccessGranted") consentId = parsed.args.consentId as string;
    }
    return { consentId, metadataId, transactionHash: receipt.hash, description };
  });
  const d = result.description;
  await ctx.output.result(
    {
      consentId: result.consentId,
      patient: d.patient,
      grantee: d.grantee,
      tokenId: d.tokenId,
      scopes: d.scopes,
      purpose: d.purpose,
      expiresAt: d.expiresAt,
      metadataId: result.metadataId,
      transactionHash: result.transactionHash,
    },
    () =>
      [
        `consent granted: ${d.scopes.join("+")} on ${d.tokenId === "all" ? "all records" : `record #${d.tokenId}`} to ${d.grantee} for ${d.purpose}`,
        keyValues([
          ["expires", d.expiresAt],
          ["consent id", result.consentId ?? "-"],
          ["metadata id", result.metadataId],
          ["transaction", result.transactionHash],
        ]),
      ].join("\n"),
  );
}

async function revoke(ctx: CommandContext, options: RevokeOptions): Promise<void> {
  const config = await ctx.config();
  const identity = await ctx.identity(config);
  const transactionHash = await ctx.withChain(config, async (chain) => {
    const consents = chain.contracts.consents.connect(await ctx.fundedSigner(config, chain));
    const receipt = await (await consents.revoke(options.token, options.grantee)).wait();
    if (!receipt || receipt.status !== 1) throw new CliError("TRANSACTION_FAILED", "the revoke transaction failed", ExitCode.REFUSED);
    return receipt.hash;
  });
  const token = formatTokenId(options.token);
  await ctx.output.result(
    { revoked: true, patient: identity.address, grantee: options.grantee, tokenId: token, transactionHash },
    () => `consent revoked: ${options.grantee} on ${token === "all" ? "all records" : `record #${token}`}\n${keyValues([["transaction", transactionHash]])}`,
  );
}

async function list(ctx: CommandContext, options: { patient?: string }): Promise<void> {
  const config = await ctx.config();
  const patient = options.patient ?? (await ctx.identity(config)).address;
  const grants = await ctx.withChain(config, async (chain) => {
    const { accountingOfDisclosures } = await import("../../../sdk/audit");
    const latest = await latestBlock(chain.provider);
    const nowMs = Math.max(Date.now(), latest.timestamp * 1000);
    const accounting = await accountingOfDisclosures({
      provider: chain.provider,
      contracts: chain.addresses,
      patient,
      from: new Date(0),
      to: new Date(nowMs),
      fromBlock: Math.min(config.startBlock, latest.number),
      toBlock: latest.number,
    });
    return currentGrants(accounting.entries, nowMs);
  });
  await ctx.output.result({ patient, grants }, () => (grants.length === 0 ? `no grants in force for ${patient}` : grantsTable(ctx.output, grants)));
}

/** The grants as a table fitted to the output's width (grantee addresses shortened in the middle). */
function grantsTable(output: Output, grants: readonly CurrentGrant[]): string {
  return output.table(
    [{ header: "TOKEN", align: "right" }, { header: "GRANTEE", shorten: "middle" }, { header: "SCOPES" }, { header: "PURPOSE" }, { header: "EXPIRES" }, { header: "GRANTED" }],
    grants.map((g) => [g.tokenId, g.grantee, g.scopes.join(","), g.purpose ?? "-", g.expiresAt ?? "never", g.grantedAt]),
  );
}
