/**
 * The `medrec` command-line interface over the SDK: builds the commander program and runs it, turning every
 * failure into a one-line message and an exit code (see `errors.ts`). Run it with `cli/bin/medrec`, which loads the
 * compiled JavaScript of this file (`npm run build` → `cli/dist/cli/src/main.js`).
 *
 * ```
 * medrec init --rpc <url> --deployment <file> [--import-key <hex>] [--force]
 * medrec patient create [--fund-from-dev-account] | patient show [address]
 * medrec record add <file...> [--patient <address>] [--resolver-key <hex>] [--concurrency <n>] [--progress]
 * medrec record get <tokenId...> [--out <file>]
 * medrec record list [--patient <address>]
 * medrec consent grant --grantee <address> --token <id|all> [--scopes READ,APPEND] [--purpose TREAT] [--days <n>] [--text <words>]
 * medrec consent revoke --grantee <address> --token <id|all>
 * medrec consent list [--patient <address>]
 * medrec audit [patient] [--from <iso>] [--to <iso>] [--format table|json|csv|fhir] [--page-size <blocks>] [--all]
 * medrec breakglass propose [--safe <address>] --token <id> --grantee <address> (--reason <text> | --reason-file <file|->)
 *                           [--minutes <n>] --out <proposal.json> [--force]
 * medrec breakglass sign|execute|status <proposal.json>
 * global: --json, --home <dir>, --wide, --no-ceramic, --ceramic-url <url>, --ceramic-model <id>;
 * environment: MEDREC_HOME, MEDREC_PASSPHRASE, MEDREC_PRIVATE_KEY, MEDREC_CERAMIC_URL, MEDREC_CERAMIC_MODEL, MEDREC_DEBUG, COLUMNS
 * ```
 *
 * @module
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError } from "commander";
import { registerAudit } from "./commands/audit";
import { registerBreakGlass } from "./commands/breakglass";
import { registerConsent } from "./commands/consent";
import { registerInit } from "./commands/init";
import { registerPatient } from "./commands/patient";
import { registerRecord } from "./commands/record";
import { processIo, type CliIo } from "./context";
import { ExitCode, describeError, type ErrorReport } from "./errors";
import { writeAll } from "./output";

/**
 * The package version, for `--version`: from the nearest `package.json` above this file (`cli/src/` when run
 * from the sources, `cli/dist/cli/src/` when compiled).
 */
function packageVersion(): string {
  for (let dir = __dirname, depth = 0; depth < 5; dir = path.dirname(dir), depth++) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "medrec") return pkg.version ?? "0.0.0";
    } catch {
      // not here; one folder up
    }
  }
  return "0.0.0";
}

/**
 * The `medrec` program. Usage errors throw a `CommanderError` (exit code 2) instead of exiting.
 * @param io Streams, environment and current folder.
 * @param settings `json`: machine-readable mode, which silences commander's own error text.
 */
export function buildProgram(io: CliIo = processIo(), settings: { json?: boolean } = {}): Command {
  const program = new Command("medrec");
  program
    .description("patient-owned, tokenized medical records: FHIR in, encrypted, pointed to on-chain; consents and their audit")
    .version(packageVersion())
    .option("--json", "machine-readable output only: one JSON document on stdout")
    .option("--home <dir>", "home folder (default: $MEDREC_HOME, else ./.medrec)")
    .option("--wide", "tables whole (not shortened to the terminal's width) and every audit event on its own line")
    .option("--no-ceramic", "keep no consent documents (consents then name none); default: the Ceramic daemon of the home, started in the background")
    .option("--ceramic-url <url>", "a Ceramic node of your own for consent documents (default: $MEDREC_CERAMIC_URL, else the config's, else the home's daemon)")
    .option("--ceramic-model <id>", "the stream id of the MedrecConsent model on that node (default: $MEDREC_CERAMIC_MODEL)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => {
        if (!settings.json) write(text);
      },
    })
    .addHelpText(
      "after",
      [
        "",
        "Environment:",
        "  MEDREC_HOME         home folder (config, encrypted identity, stores)",
        "  MEDREC_PASSPHRASE   passphrase of the identity (required by init and by commands that sign or decrypt)",
        "  MEDREC_PRIVATE_KEY  existing Ethereum key for init to import (e.g. a funded account of a local node)",
        "  MEDREC_CERAMIC_URL, MEDREC_CERAMIC_MODEL  a Ceramic node of your own and its MedrecConsent model",
        "  MEDREC_DEBUG=1      print stack traces",
        "  COLUMNS             width tables are fitted to (default: the terminal's; none when stdout is not a terminal)",
        "",
        "Exit codes: 0 ok, 1 failure, 2 usage, 3 invalid input, 4 not found, 5 refused (by the chain, or a break-glass check)",
      ].join("\n"),
    );
  registerInit(program, io);
  registerPatient(program, io);
  registerRecord(program, io);
  registerConsent(program, io);
  registerAudit(program, io);
  registerBreakGlass(program, io);
  return program;
}

/** Commander's exits that are not errors. */
const COMMANDER_SUCCESS = new Set(["commander.helpDisplayed", "commander.version"]);

/**
 * Runs the CLI and returns the exit code; never throws.
 * @param argv The process arguments (`process.argv`: node, script, then the arguments).
 * @param io Streams, environment and current folder.
 */
export async function main(argv: readonly string[] = process.argv, io: CliIo = processIo()): Promise<number> {
  const json = argv.slice(2).includes("--json");
  const program = buildProgram(io, { json });
  try {
    await program.parseAsync([...argv]);
    return ExitCode.OK;
  } catch (error) {
    return reportError(error, io, json);
  }
}

/** Prints an error (one line, or a JSON object with `--json`) on stderr and returns its exit code. */
export async function reportError(error: unknown, io: CliIo, json: boolean): Promise<number> {
  let report: ErrorReport;
  if (error instanceof CommanderError) {
    if (COMMANDER_SUCCESS.has(error.code) || error.exitCode === 0) return ExitCode.OK;
    report = { code: "USAGE", category: "invalid-input", message: error.message.replace(/^error: /, ""), exitCode: ExitCode.USAGE };
    if (!json) return report.exitCode; // commander has printed it
  } else {
    report = describeError(error);
  }
  try {
    if (json) {
      const body: Record<string, unknown> = { code: report.code, category: report.category, message: report.message, exitCode: report.exitCode };
      if (report.details !== undefined) body.details = report.details;
      await writeAll(io.stderr, JSON.stringify({ error: body }) + "\n");
    } else {
      await writeAll(io.stderr, `medrec: ${report.message} [${report.code}]\n`);
    }
    if (io.env.MEDREC_DEBUG === "1") await writeAll(io.stderr, debugText(error));
  } catch {
    // stderr is gone; the exit code still tells
  }
  return report.exitCode;
}

/** The stack of an error and of its causes (only with MEDREC_DEBUG=1). */
function debugText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? String(current)) : String(current));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join("\ncaused by: ") + "\n";
}

/**
 * Runs the CLI as a process: handles stray errors without a stack trace and exits with the CLI's exit code.
 * @param argv The process arguments.
 */
export function run(argv: readonly string[] = process.argv): void {
  const io = processIo();
  const json = argv.slice(2).includes("--json");
  const fatal = (error: unknown) => {
    void reportError(error, io, json).then((code) => process.exit(code === ExitCode.OK ? ExitCode.FAILURE : code));
  };
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
  void main(argv, io).then((code) => process.exit(code));
}

if (require.main === module) run();
