/**
 * `medrec record list [--patient <address>]`: the patient's records (default: the identity's) as a table — token,
 * kind, encounter, period, size, version — or JSON with `--json`.
 *
 * Token, kind and version come from the chain (`records.list`: `RecordMinted` events, then `recordOf`; burned
 * tokens are left out). Encounter, period and size are health metadata and are not on-chain: they come from reading
 * each record (`records.read`) with the identity's own X25519 key (its wraps in the local key store, as `record get`
 * does) and describing the plaintext (`records.describeRecord`); a record the identity cannot read shows `-`, and
 * the listing says why.
 * Without `MEDREC_PASSPHRASE` nothing is decrypted and only the on-chain columns are filled.
 *
 * @module
 */
import type { Command } from "commander";
import type { Bundle } from "@medplum/fhirtypes";
import { fhir, records, storage, type MedrecClient } from "@medrec/sdk";
import { CommandContext, type CliIo } from "../context";
import { PASSPHRASE_ENV } from "../identity";
import { parseAddress, parsePositiveInt } from "../options";

interface ListOptions {
  patient?: string;
  pageSize?: number;
}

/** Why a record's metadata is not shown. */
export const UNREADABLE_REASONS = {
  "no-key": "not readable with this identity's key",
  "no-content": "its ciphertext is not in the local store",
  "no-passphrase": `not decrypted: ${PASSPHRASE_ENV} is not set`,
} as const;
type Unreadable = keyof typeof UNREADABLE_REASONS;

/** One row of the listing. */
interface ListedRecord extends records.RecordSummary {
  encounter?: string;
  period?: { start: string; end: string };
  /** Plaintext bytes (the record's canonical JSON). */
  size?: number;
  unreadable?: Unreadable;
}

/**
 * Registers `medrec record list` on the `record` command.
 * @param record The `medrec record` command.
 * @param io Streams, environment and current folder.
 */
export function registerRecordList(record: Command, io: CliIo): void {
  record
    .command("list")
    .description("the patient's records: token, kind, version (chain); encounter, period, size (decrypted locally)")
    .option("--patient <address>", "whose records (default: the identity)", parseAddress)
    .option("--page-size <blocks>", "blocks per eth_getLogs query (default 10000)", parsePositiveInt)
    .action(async (options: ListOptions, command: Command) => list(CommandContext.of(command, io), options));
}

/** `1234` → `1.2 KiB`. */
export function humanBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** `2024-03-05`, or `2024-03-05..2024-03-07`. */
function periodText(period: { start: string; end: string } | undefined): string {
  if (!period) return "-";
  return period.start === period.end ? period.start : `${period.start}..${period.end}`;
}

async function list(ctx: CommandContext, options: ListOptions): Promise<void> {
  const config = await ctx.config();
  const identity = await ctx.identity(config);
  const patient = options.patient ?? identity.address;
  const canDecrypt = !!ctx.io.env[PASSPHRASE_ENV];
  const privateKey = canDecrypt ? await ctx.encryptionKey(config) : undefined;
  let listed: ListedRecord[];
  try {
    listed = await ctx.withClient(config, { store: privateKey !== undefined, logPageSize: options.pageSize }, async ({ client }) => {
      const tokens = await records.list(client, { patient });
      if (tokens.length === 0) return [];
      if (!privateKey) return tokens.map((token) => ({ ...token, unreadable: "no-passphrase" as const }));
      return describeAll(client, tokens, privateKey);
    });
  } finally {
    privateKey?.fill(0);
  }

  await ctx.output.result(
    {
      patient,
      records: listed.map((r) => ({
        tokenId: r.tokenId,
        kind: r.kind,
        version: r.version,
        encounter: r.encounter ?? null,
        period: r.period ?? null,
        size: r.size ?? null,
        readable: r.unreadable === undefined,
        ...(r.unreadable ? { unreadable: UNREADABLE_REASONS[r.unreadable] } : {}),
      })),
    },
    () => {
      if (listed.length === 0) return `no records of ${patient}`;
      const table = ctx.output.table(
        [
          { header: "TOKEN", align: "right", shorten: "none" },
          { header: "KIND" },
          { header: "ENCOUNTER", shorten: "middle" },
          { header: "PERIOD", shorten: "none" },
          { header: "SIZE", align: "right", shorten: "none" },
          { header: "VERSION", align: "right", shorten: "none" },
        ],
        listed.map((r) => [r.tokenId.toString(10), r.kind, r.encounter ?? "-", periodText(r.period), r.size === undefined ? "-" : humanBytes(r.size), r.version.toString(10)]),
      );
      const notes = (Object.keys(UNREADABLE_REASONS) as Unreadable[]).flatMap((reason) => {
        const ids = listed.filter((r) => r.unreadable === reason).map((r) => `#${r.tokenId}`);
        return ids.length === 0 ? [] : [`- for ${ids.length} record${ids.length === 1 ? "" : "s"} (${ids.join(", ")}): ${UNREADABLE_REASONS[reason]}`];
      });
      return [`${listed.length} record${listed.length === 1 ? "" : "s"} of ${patient}`, table, ...notes].join("\n");
    },
  );
}

/** Reads every record it can with the identity's key and describes it; the others are marked unreadable. */
async function describeAll(client: MedrecClient, tokens: records.RecordSummary[], privateKey: Uint8Array): Promise<ListedRecord[]> {
  const read: { token: records.RecordSummary; bundle?: Bundle; unreadable?: Unreadable }[] = [];
  const keys = records.localKeys(privateKey);
  for (const token of tokens) {
    try {
      read.push({ token, bundle: (await records.read(client, { tokenId: token.tokenId, keys })).bundle });
    } catch (error) {
      if (error instanceof records.RecordKeyNotFoundError) read.push({ token, unreadable: "no-key" });
      else if (error instanceof storage.ContentNotFoundError) read.push({ token, unreadable: "no-content" });
      else if (error instanceof records.RecordNotFoundError) continue; // burned meanwhile
      else throw error;
    }
  }
  const bundles = read.flatMap((r) => (r.bundle ? [r.bundle] : []));
  return read.map(({ token, bundle, unreadable }) => {
    if (!bundle) return { ...token, unreadable };
    const description = records.describeRecord(bundle, bundles);
    return { ...token, encounter: description.encounter, period: description.period, size: fhir.canonicalize(bundle).length };
  });
}
