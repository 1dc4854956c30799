/**
 * The demo's closing views: the on-chain event trail, the patient's accounting of disclosures (each grant with its
 * consent document's purpose in words), and the same accounting as CSV from the medrec CLI.
 *
 * @module
 */
import path from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { hexlify, randomBytes, type Provider } from "ethers";
import type { audit } from "../sdk";
import type { DeploymentFile } from "../deploy/deployment-file";
import { formatTable } from "../cli/src/table";
import { ensureCliBuild } from "../test/helpers/cli-build";
import { readEventTrail, trailSources } from "./event-trail";
import { TRAIL_COLUMNS, formatAddress, trailRows, type AddressBook } from "./event-format";
import { clip, say, sayTable } from "./print";

const execFileAsync = promisify(execFile);

/** Prints every event of the medrec contracts from `fromBlock` on, in chain order. */
export async function printEventTrail(provider: Provider, deployment: DeploymentFile, book: AddressBook, fromBlock: number): Promise<void> {
  const trail = await readEventTrail(provider, trailSources(deployment, deployment.wallets), fromBlock);
  const lastBlock = trail.at(-1)?.blockNumber ?? fromBlock - 1;
  console.log(`\nEvent trail: ${trail.length} events of the medrec contracts from the onboarding on, blocks ${fromBlock}–${lastBlock}`);
  console.log("(the deployment's own events, role grants and allow-list entries, are in blocks before; see the deployment file)");
  console.log("(addresses shortened; names in parentheses are the roles above)\n");
  console.log(formatTable(TRAIL_COLUMNS, trailRows(trail, book)));
}

/** Prints the accounting (record creations counted, not listed), then each grant's purpose in words. */
export function printAccounting(accounting: audit.AnnotatedAccounting, book: AddressBook): void {
  const shown = accounting.entries.filter((e) => e.kind !== "record-created");
  say(`${accounting.entries.length} entries (${accounting.entries.length - shown.length} record creations not listed); as JSON, CSV or FHIR AuditEvent with the SDK or \`medrec audit\``);
  sayTable(
    [{ header: "WHEN" }, { header: "WHAT" }, { header: "RECORD", align: "right" }, { header: "TO" }, { header: "PURPOSE" }, { header: "BY" }],
    shown.map((e) => [
      e.timestamp.replace("T", " ").replace(/\.\d+Z$/, "Z"),
      e.kind,
      e.tokenId === "all" ? "all" : `#${e.tokenId}`,
      e.recipient ? formatAddress(e.recipient, book) : "–",
      e.purpose ?? "–",
      e.actor ? formatAddress(e.actor, book) : "–",
    ]),
  );
  for (const grant of shown.filter((e) => e.kind === "grant")) {
    const words = grant.purposeText === null ? "no consent document (metadataId 0)" : `"${grant.purposeText}"`;
    say(`grant of record #${grant.tokenId} to ${formatAddress(grant.recipient!, book)}, in the patient's words: ${words}`);
  }
}

/** Where and as whom {@link printCliAudit} runs the CLI. */
export interface CliAuditOptions {
  /** The chain's JSON-RPC URL (`medrec init --rpc`). */
  rpcUrl: string;
  /** The deployment file. */
  file: string;
  /** Whose accounting. */
  patient: string;
  /** The CLI's home (MEDREC_HOME), a temp dir. */
  home: string;
  /** The key the CLI reads as (never printed). */
  privateKey: string;
}

/** Runs `medrec init` and `medrec audit <patient> --format csv` (compiled CLI) and prints the header and the first disclosure. */
export async function printCliAudit(options: CliAuditOptions): Promise<void> {
  const bin = path.resolve(__dirname, "..", "cli", "bin", "medrec");
  await ensureCliBuild(); // cli/bin/medrec runs the compiled CLI (cli/dist/)
  const env = { ...process.env, MEDREC_HOME: options.home, MEDREC_PASSPHRASE: hexlify(randomBytes(16)), MEDREC_PRIVATE_KEY: options.privateKey };
  let stdout = "";
  for (const args of [["init", "--rpc", options.rpcUrl, "--deployment", options.file], ["audit", options.patient, "--format", "csv"]]) {
    ({ stdout } = await execFileAsync(process.execPath, [bin, ...args], { env, maxBuffer: 16 * 1024 * 1024 }));
  }
  const csv = stdout.trim().split(/\r?\n/);
  say(`${csv.length - 1} CSV rows; header and the first disclosure:`);
  say(clip(csv[0]));
  const disclosure = csv.find((line) => line.startsWith("disclosure,"));
  if (disclosure) say(clip(disclosure));
}
