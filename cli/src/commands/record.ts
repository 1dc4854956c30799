/**
 * `medrec record add <file...>`: validates every FHIR JSON file first (nothing is stored when one is invalid),
 * then ingests them with the `records.ingest` action (split → encrypt → store in the embedded Helia store → mint),
 * with a progress bar over the files. The action decides who the keys are wrapped to (the patient's registered key,
 * the resolver of `--resolver <url>`, whose wrap is also deposited with it); the CLI adds the identity's own key
 * (to read back what it wrote) and `--resolver-key`.
 * `medrec record get <tokenId...>`: reads records back (`records.read`) with the identity's X25519 key and prints
 * the FHIR Bundle (one record's Bundle, or one Bundle of all the records asked for). With `--resolver <url>` the
 * keys are released by the resolver under the identity's on-chain grant (`resolver.keys`: each release is an
 * on-chain disclosure).
 * `medrec record forget <tokenId>`: `records.forget`: burns the record, destroys the local key wraps and unpins the
 * ciphertext.
 *
 * @module
 */
import path from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import { encodeBytes32String, getAddress } from "ethers";
import type { Bundle } from "@medplum/fhirtypes";
import { fhir, files, records, resolver, vocabulary } from "@medrec/sdk";
import type { CliConfig } from "../config";
import { CommandContext, type CliIo } from "../context";
import { CliError, ExitCode, fhirIssuesMessage, issueList } from "../errors";
import { parseAddress, parsePositiveInt, parsePublicKey, parseTokenId } from "../options";
import { createProgress, progressWanted } from "../progress";
import { readInputFile } from "../input-file";
import { humanBytes, registerRecordList } from "./record-list";

/** Purposes a reader may name when asking the resolver: a consent's, or the emergency one under break-glass. */
const READ_PURPOSES = [...vocabulary.CONSENT_PURPOSES, vocabulary.EMERGENCY_PURPOSE] as const;

interface AddOptions {
  patient?: string;
  resolverKey?: `0x${string}`;
  resolver?: string;
  concurrency?: number;
  progress?: boolean;
}

interface GetOptions {
  out?: string;
  resolver?: string;
  purpose: (typeof READ_PURPOSES)[number];
}

/** The writer's index of records already added (see `sdk/records/ingest-index.ts`), in the home folder. */
const INGEST_INDEX_FILE = "ingest-index";
/** The progress bar is redrawn at most this often (and at the end). */
const PROGRESS_INTERVAL_MS = 200;

/** Registers `medrec record …`. */
export function registerRecord(program: Command, io: CliIo): void {
  const record = program.command("record").description("health records: add FHIR, read it back");
  record
    .command("add")
    .description("ingest FHIR R4 JSON files (Bundles or single resources): one token per record")
    .argument("<file...>", "FHIR JSON files")
    .option("--patient <address>", "mint to this patient (default: the identity; otherwise needs its APPEND consent)", parseAddress)
    .option("--resolver <url>", "also wrap the record keys to this resolver's key and deposit them with it")
    .option("--resolver-key <hex>", "also wrap the record keys to this X25519 public key (kept locally only)", parsePublicKey)
    .option("--concurrency <n>", "threads validating and splitting the files at once (default: one less than the CPU cores, at most 4, from 8 MB of input)", parsePositiveInt)
    .addOption(new Option("--progress", "draw the progress bar even when stderr is not a terminal"))
    .action(async (files: string[], options: AddOptions, command: Command) => add(CommandContext.of(command, io), files, options));
  record
    .command("get")
    .description("read records back, verified and decrypted; prints the FHIR Bundle")
    .argument("<tokenId...>", "record token ids (several: one Bundle of all their resources)")
    .option("--out <file>", "write the Bundle to this file (mode 0600) instead of stdout")
    .option("--resolver <url>", "have the keys released by this resolver under the identity's grant (logged on-chain)")
    .addOption(new Option("--purpose <code>", "purpose of use, with --resolver").choices(READ_PURPOSES).default(vocabulary.PURPOSES.TREATMENT.code))
    .action(async (ids: string[], options: GetOptions, command: Command) => get(CommandContext.of(command, io), ids, options));
  record
    .command("forget")
    .description("right to be forgotten: burn the record, destroy the local key wraps, unpin the ciphertext")
    .argument("<tokenId>", "the record token id")
    .action(async (id: string, _options: unknown, command: Command) => forget(CommandContext.of(command, io), id));
  registerRecordList(record, io);
}

/** A token id argument. @throws {CliError} `USAGE` (2). */
function tokenIdArgument(id: string): bigint {
  try {
    return parseTokenId(id);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw new CliError("USAGE", `invalid token id '${id}': ${error.message}`, ExitCode.USAGE);
    throw error;
  }
}

async function add(ctx: CommandContext, files: string[], options: AddOptions): Promise<void> {
  const config = await ctx.config();
  const identity = await ctx.identity(config);
  const wantProgress = progressWanted({ json: ctx.json, progress: options.progress }, ctx.io.stderr);

  // 1. Every file is read, validated and split once, in parallel, before anything is stored or minted.
  const texts: { file: string; bytes: Uint8Array }[] = [];
  for (const name of files) texts.push({ file: name, bytes: await readInputFile(path.resolve(ctx.io.cwd, name)) });
  const totalBytes = texts.reduce((n, t) => n + t.bytes.length, 0);
  const checking = createProgress("validating", wantProgress, ctx.io.stderr);
  let checkedBytes = 0;
  const outcomes = await (async () => {
    try {
      checking.update(0, totalBytes, humanBytes(totalBytes));
      return await records.prepareInParallel(
        texts.map((t) => t.bytes),
        {
          concurrency: options.concurrency,
          onPrepared: (_index, _records, bytes) => {
            checkedBytes += bytes;
            checking.update(checkedBytes, totalBytes, `${humanBytes(checkedBytes)} of ${humanBytes(totalBytes)}`);
          },
        },
      );
    } finally {
      checking.finish();
    }
  })();
  const invalid = outcomes.flatMap((outcome, index) => ("error" in outcome ? [{ file: files[index], error: outcome.error }] : []));
  if (invalid.length > 0) {
    const first = invalid[0];
    const issues = "issues" in first.error ? first.error.issues : [];
    const others = invalid.length > 1 ? ` (and ${invalid.length - 1} more invalid file${invalid.length === 2 ? "" : "s"}: ${invalid.slice(1).map((i) => i.file).join(", ")})` : "";
    throw new CliError(
      "FHIR_INVALID",
      issues.length > 0 ? fhirIssuesMessage(`invalid FHIR R4 in ${first.file}${others}`, issues) : `could not prepare ${first.file}${others}: ${first.error.message}`,
      ExitCode.INVALID_INPUT,
      { file: first.file, issues: issueList(issues), invalidFiles: invalid.map((i) => i.file) },
    );
  }
  const inputs = outcomes.map((outcome, index) => ({ file: files[index], records: "records" in outcome ? outcome.records : [] }));

  // 2. Ingest through the client, one record after the other, with a progress bar over records and bytes.
  const patient = options.patient ?? identity.address;
  const written = await ctx.withClient(config, { account: "funded", store: true, resolver: options.resolver }, async ({ client }) => {
    // The identity's X25519 key: the ingest index's key derives from it, and it re-wraps a stored record's key to
    // a recipient added since (a resolver). Zeroised when the ingest is done.
    const secret = await ctx.encryptionKey(config);
    const progress = createProgress("records", wantProgress, ctx.io.stderr);
    const recordsTotal = inputs.reduce((n, input) => n + input.records.length, 0);
    const bytesTotal = inputs.reduce((n, input) => n + input.records.reduce((m, r) => m + r.plaintext.length, 0), 0);
    let lastDrawn = 0;
    try {
      const index = await records.fileIngestIndex(path.join(ctx.home, INGEST_INDEX_FILE), records.ingestIndexKey(secret));
      progress.update(0, recordsTotal, `0 B of ${humanBytes(bytesTotal)}`);
      return await records.ingest(client, {
        inputs: inputs.map((input) => ({ prepared: input.records })),
        patient,
        recipients: [identity.encryptionPublicKey, ...(options.resolverKey ? [options.resolverKey] : [])],
        index,
        rewrapWith: secret,
        onProgress: (p) => {
          const now = Date.now();
          if (p.records < recordsTotal && now - lastDrawn < PROGRESS_INTERVAL_MS) return;
          lastDrawn = now;
          const files = inputs.length > 1 ? `, file ${Math.min(p.done + 1, inputs.length)}/${inputs.length}` : "";
          const skipped = p.unchanged > 0 ? `, ${p.unchanged} unchanged` : "";
          progress.update(p.records, recordsTotal, `${humanBytes(p.bytes)} of ${humanBytes(bytesTotal)}${files}${skipped}`);
        },
      });
    } catch (error) {
      if (error instanceof records.RecordPermissionError && error.code === "NOT_A_PATIENT" && getAddress(patient) === identity.address) {
        throw new CliError(error.code, `${error.message} (run \`medrec patient create\`)`, ExitCode.REFUSED, undefined, { cause: error });
      }
      throw error;
    } finally {
      progress.finish();
      secret.fill(0);
    }
  });

  const rows = written.flatMap((ingested, index) => ingested.map((record) => ({ file: inputs[index].file, ...record })));
  await ctx.output.result(
    {
      patient: getAddress(patient),
      minted: rows.filter((row) => row.status === "minted").length,
      unchanged: rows.filter((row) => row.status === "unchanged").length,
      records: rows.map((row) => ({
        file: row.file,
        status: row.status,
        tokenId: row.tokenId,
        version: row.version,
        kind: row.kind,
        encounter: row.encounter ?? null,
        period: row.period ?? null,
        cid: row.cid,
        contentHash: row.contentHash,
        size: row.size,
      })),
    },
    () => {
      const columns = [
        ...(inputs.length > 1 ? [{ header: "FILE" }] : []),
        { header: "TOKEN", align: "right" as const },
        { header: "STATUS" },
        { header: "KIND" },
        { header: "ENCOUNTER / PERIOD", shorten: "middle" as const },
        { header: "SIZE", align: "right" as const },
        { header: "CID", shorten: "middle" as const },
      ];
      const body = rows.map((row) => [
        ...(inputs.length > 1 ? [row.file] : []),
        row.tokenId.toString(10),
        row.status,
        row.kind,
        row.encounter ?? row.period ?? "-",
        humanBytes(row.size),
        row.cid,
      ]);
      const minted = rows.filter((row) => row.status === "minted").length;
      const unchanged = rows.length - minted;
      const summary =
        `${minted} record${minted === 1 ? "" : "s"} minted to ${getAddress(patient)}` +
        (unchanged > 0 ? `; ${unchanged} already stored unchanged (not minted again)` : "");
      return `${summary}\n${ctx.output.table(columns, body)}`;
    },
  );
}

async function get(ctx: CommandContext, ids: string[], options: GetOptions): Promise<void> {
  const tokenIds = ids.map(tokenIdArgument);
  const config = await ctx.config();
  const results = options.resolver ? await readThroughResolver(ctx, config, tokenIds, options.resolver, options.purpose) : await readOwn(ctx, config, tokenIds);

  // The exact stored bytes (every decimal digit as written), rebuilt into the ingested bundle where the
  // records given make it whole, printed in the element order of the FHIR specification.
  const exported = fhir.exportRecords(results.map((result) => ({ kind: result.kind, bundle: fhir.parseFhirJson(result.plaintext) as Bundle })));
  const text = fhir.formatFhirJson(exported.bundle) + "\n";
  if (!ctx.json && !exported.exact) for (const difference of exported.differences) ctx.io.stderr.write(`note: ${difference}\n`);
  const disclosures = results.flatMap((r) => ("disclosure" in r ? [{ tokenId: r.tokenId, ...(r as { disclosure: object }).disclosure }] : []));
  if (disclosures.length > 0 && !ctx.json) {
    ctx.io.stderr.write(`${disclosures.length} key release${disclosures.length === 1 ? "" : "s"} logged on-chain as Disclosure\n`);
  }
  if (options.out === undefined) {
    await ctx.output.raw(text);
    return;
  }
  // Health data: never readable by anyone else, not even for a moment, and never written through a planted link.
  const out = path.resolve(ctx.io.cwd, options.out);
  await files.writePrivateFile(out, text);
  await ctx.output.result(
    {
      out,
      records: results.map((r) => ({ tokenId: r.tokenId, version: r.version, kind: r.kind, patient: r.patient, contentHash: r.contentHash })),
      exact: exported.exact,
      differences: exported.differences,
    },
    () => `wrote ${results.length} record${results.length === 1 ? "" : "s"} (${results.map((r) => `#${r.tokenId} ${r.kind}`).join(", ")}) to ${out}`,
  );
}

/** Reads records with the identity's own X25519 key (its wraps in the local key store). */
async function readOwn(ctx: CommandContext, config: CliConfig, tokenIds: bigint[]): Promise<records.ReadRecordResult[]> {
  const privateKey = await ctx.encryptionKey(config);
  try {
    return await ctx.withClient(config, { store: true }, async ({ client }) => {
      const read: records.ReadRecordResult[] = [];
      const keys = records.localKeys(privateKey);
      for (const tokenId of tokenIds) read.push(await records.read(client, { tokenId, keys }));
      return read;
    });
  } finally {
    privateKey.fill(0);
  }
}

/** Reads records whose keys the resolver releases to the identity under its on-chain grant for `purpose`. */
async function readThroughResolver(ctx: CommandContext, config: CliConfig, tokenIds: bigint[], url: string, purpose: string) {
  return ctx.withClient(config, { account: "signer", store: true, resolver: url }, async ({ client }) => {
    const info = await resolver.info(client); // refuses another deployment's resolver before anything is signed
    const keys = resolver.keys(client, { purpose: encodeBytes32String(purpose), resolverAddress: info.address });
    const read: records.ReadRecordResult<resolver.ReleasedKeyExtra>[] = [];
    for (const tokenId of tokenIds) read.push(await records.read(client, { tokenId, keys }));
    return read;
  });
}

async function forget(ctx: CommandContext, id: string): Promise<void> {
  const tokenId = tokenIdArgument(id);
  const config = await ctx.config();
  const forgotten = await ctx.withClient(config, { account: "funded", store: true }, ({ client }) => records.forget(client, { tokenId }));
  await ctx.output.result(
    { tokenId: forgotten.tokenId, burned: true, unpinned: forgotten.unpinned },
    () => `record #${forgotten.tokenId} burned; local key wraps destroyed; ciphertext ${forgotten.unpinned ? "unpinned" : "was not in the local store"}`,
  );
}
