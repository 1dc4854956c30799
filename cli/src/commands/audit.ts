/**
 * `medrec audit [patient] [--from <iso>] [--to <iso>] [--format table|json|csv|fhir]`: the accounting of
 * disclosures of a patient (default: the identity), built by the `audit.accounting` action from the chain's events
 * from the deployment's start block on, read in pages of `--page-size` blocks; each grant carries the purpose in
 * words of its consent document when the client has a consent store. `--json` is `--format json`. The table fits
 * the terminal and shows the record creations of one ingest as one line; `--wide` or `--all` shows every event whole.
 *
 * @module
 */
import { Option, type Command } from "commander";
import { audit as audits } from "@medrec/sdk";
import { CommandContext, type CliIo } from "../context";
import { CliError, ExitCode } from "../errors";
import { parseAddress, parseIsoDate, parsePositiveInt } from "../options";
import type { Output } from "../output";
import { auditLines, tokenRange } from "../audit-lines";

/** The output formats of `medrec audit`. */
export const AUDIT_FORMATS = ["table", "json", "csv", "fhir"] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

interface AuditOptions {
  from?: Date;
  to?: Date;
  format: AuditFormat;
  pageSize?: number;
  all?: boolean;
}

/** Registers `medrec audit`. */
export function registerAudit(program: Command, io: CliIo): void {
  program
    .command("audit")
    .description("accounting of disclosures of a patient, from on-chain events alone")
    .argument("[patient]", "patient address (default: the identity)", parseAddress)
    .option("--from <iso>", "start of the period, inclusive (default: the beginning)", parseIsoDate)
    .option("--to <iso>", "end of the period, inclusive (default: now)", parseIsoDate)
    .addOption(new Option("--format <format>", "output format").choices(AUDIT_FORMATS).default("table"))
    .option("--page-size <blocks>", "blocks per eth_getLogs query (default 10000)", parsePositiveInt)
    .option("--all", "table: every event on its own line (default: the record creations of one ingest are one line)")
    .action(async (patient: string | undefined, options: AuditOptions, command: Command) => audit(CommandContext.of(command, io), patient, options));
}

async function audit(ctx: CommandContext, patientArg: string | undefined, options: AuditOptions): Promise<void> {
  const config = await ctx.config();
  const patient = patientArg ?? (await ctx.identity(config)).address;
  const documents = ctx.consentDocuments(config);
  const accounting = await ctx.withClient(config, { logPageSize: options.pageSize, consents: documents.open }, async ({ client }) => {
    const latest = await client.provider.getBlock("latest");
    if (!latest) throw new CliError("NO_BLOCK", "the node returned no latest block", ExitCode.FAILURE, undefined, { category: "unavailable" });
    const to = options.to ?? new Date(Math.max(Date.now(), latest.timestamp * 1000));
    if (options.from !== undefined && options.from.getTime() > to.getTime()) throw new CliError("INVALID_PERIOD", "--from is after --to", ExitCode.USAGE);
    return audits.accounting(client, { patient, from: options.from ?? new Date(0), to });
  });
  const format: AuditFormat = ctx.json ? "json" : options.format;
  if (documents.note !== undefined && accounting.entries.some((entry) => entry.kind === "grant")) await ctx.output.note(documents.note);
  await ctx.output.raw(render(accounting, format, ctx.output, !(ctx.wide || options.all === true)));
}

function render(accounting: audits.AnnotatedAccounting, format: AuditFormat, output: Output, collapse: boolean): string {
  switch (format) {
    case "json":
      return audits.toJson(accounting) + "\n";
    case "csv":
      return audits.toCsv(accounting);
    case "fhir": {
      const events = audits.toFhirAuditEvents(accounting);
      const bundle = { resourceType: "Bundle", type: "collection", entry: events.map((resource) => ({ resource })) };
      return JSON.stringify(bundle, null, 2) + "\n";
    }
    case "table":
      return tableOf(accounting, output, collapse);
  }
}

/** The accounting as a table fitted to the output (record creations of one ingest on one line when `collapse`). */
function tableOf(accounting: audits.AnnotatedAccounting, output: Output, collapse: boolean): string {
  const header = `accounting of disclosures of ${accounting.patient}\n${accounting.period.from} – ${accounting.period.to} (blocks ${accounting.blocks.from}–${accounting.blocks.to})`;
  if (accounting.entries.length === 0) return `${header}\nno events\n`;
  const time = (iso: string) => iso.replace(/\.\d{3}Z$/, "Z");
  const lines = auditLines(accounting.entries, collapse);
  const words = accounting.entries.some((entry) => entry.purposeText !== null); // the column only when documents were read
  const rows = lines.map((line) => {
    if (line.kind === "creations") {
      const first = line.entries[0];
      return [time(first.timestamp), `${line.entries.length} records created`, tokenRange(line.entries.map((e) => e.tokenId)), "-", first.actor, "-", ...(words ? ["-"] : []), "-", "-"];
    }
    const e = line.entry;
    return [time(e.timestamp), e.kind, e.tokenId, e.recipient ?? "-", e.actor, e.purpose ?? "-", ...(words ? [e.purposeText ?? "-"] : []), e.scopes?.join(",") ?? "-", e.expiresAt ?? "-"];
  });
  const columns = [
    { header: "TIME", shorten: "none" as const },
    { header: "EVENT", shorten: "none" as const },
    { header: "TOKEN", align: "right" as const, shorten: "middle" as const },
    { header: "RECIPIENT", shorten: "middle" as const },
    { header: "ACTOR", shorten: "middle" as const },
    { header: "PURPOSE" },
    ...(words ? [{ header: "IN WORDS" }] : []),
    { header: "SCOPES" },
    { header: "EXPIRES" },
  ];
  const collapsed = accounting.entries.length - lines.length;
  const note = collapsed > 0 ? `${accounting.entries.length} events; the record creations of each ingest on one line (--all or --wide: one line each)\n` : "";
  return `${header}\n${output.table(columns, rows)}\n${note}`;
}
