/**
 * `medrec record add <file...>`: validates every FHIR JSON file first (nothing is stored when one is invalid),
 * then ingests them with `sdk/records` (split → encrypt → store in the embedded Helia store → mint), with a
 * progress bar over the files.
 * With `--resolver <url>` the records' keys are also wrapped to the resolver's key and deposited with it.
 * `medrec record get <tokenId...>`: reads records back with the identity's X25519 key and prints the FHIR
 * Bundle (one record's Bundle, or one Bundle of all the records asked for). With `--resolver <url>` the keys
 * are released by the resolver under the identity's on-chain grant (each release is an on-chain disclosure).
 * `medrec record forget <tokenId>`: burns the record, destroys the local key wraps and unpins the ciphertext.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { writePrivateFile } from "../../files/private-file";
import path from "node:path";
import { InvalidArgumentError, Option, type Command } from "commander";
import { getAddress } from "ethers";
import type { Bundle } from "@medplum/fhirtypes";
import type { RecordsContext, ReadRecordResult, IngestedRecord } from "../../records";
import type { CliConfig } from "../config";
import type { Chain } from "../chain";
import { CommandContext, type CliIo } from "../context";
import { CliError, ExitCode, fhirIssuesMessage, issueList } from "../errors";
import { parseAddress, parsePositiveInt, parsePublicKey, parseTokenId } from "../options";
import { checkedResolver } from "../resolver";
import { CONSENT_PURPOSES } from "./consent";
import { table } from "../output";
import { createProgress, progressWanted } from "../progress";
import { registerRecordList } from "./record-list";

/** Purposes a reader may name when asking the resolver: a consent's, or ETREAT under break-glass. */
const READ_PURPOSES = [...CONSENT_PURPOSES, "ETREAT"] as const;

interface AddOptions {
  patient?: string;
  resolverKey?: `0x${string}`;
  resolver?: string;
  concurrency: number;
  progress?: boolean;
}

interface GetOptions {
  out?: string;
  resolver?: string;
  purpose: (typeof READ_PURPOSES)[number];
}

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
    .option("--concurrency <n>", "files validated and split in parallel", parsePositiveInt, 4)
    .addOption(new Option("--progress", "draw the progress bar even when stderr is not a terminal"))
    .action(async (files: string[], options: AddOptions, command: Command) => add(CommandContext.of(command, io), files, options));
  record
    .command("get")
    .description("read records back, verified and decrypted; prints the FHIR Bundle")
    .argument("<tokenId...>", "record token ids (several: one Bundle of all their resources)")
    .option("--out <file>", "write the Bundle to this file (mode 0600) instead of stdout")
    .option("--resolver <url>", "have the keys released by this resolver under the identity's grant (logged on-chain)")
    .addOption(new Option("--purpose <code>", "purpose of use, with --resolver").choices(READ_PURPOSES).default("TREAT"))
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

/**
 * Opens the embedded store and the key store of the home folder (which also deposits with `deposit.resolver`
 * the wraps made for its key); close the store when done.
 */
async function openRecords(
  config: CliConfig,
  chain: Chain,
  deposit?: { url: string; publicKey: `0x${string}`; signer: import("ethers").Signer; domain: import("ethers").TypedDataDomain },
): Promise<{ context: RecordsContext; close: () => Promise<void> }> {
  const [{ HeliaContentStore }, { fileKeyStore, recordsContext }] = await Promise.all([import("../../storage"), import("../../records")]);
  const local = fileKeyStore(config.keys);
  const keys = deposit
    ? (await import("../../resolver")).resolverKeyStore(local, { url: deposit.url, resolverPublicKey: deposit.publicKey, signer: deposit.signer, domain: deposit.domain })
    : local;
  const store = await HeliaContentStore.open({ directory: config.ipfs });
  const context = recordsContext({
    chainId: chain.chainId,
    recordToken: chain.addresses.RecordToken,
    runner: chain.provider,
    store,
    keys,
  });
  return { context, close: () => store.close() };
}

/** The text of an input file. @throws {CliError} `FILE_NOT_FOUND` (4) or `FILE_UNREADABLE` (3). */
async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CliError("FILE_NOT_FOUND", `no such file: ${file}`, ExitCode.NOT_FOUND);
    throw new CliError("FILE_UNREADABLE", `cannot read ${file} (${code ?? "error"})`, ExitCode.INVALID_INPUT);
  }
}

async function add(ctx: CommandContext, files: string[], options: AddOptions): Promise<void> {
  const config = await ctx.config();
  const identity = await ctx.identity(config);
  const { prepareRecords, ingestBundles } = await import("../../records");
  const { FhirValidationError } = await import("../../fhir");

  // 1. Every file is read and validated before anything is stored or minted.
  const inputs: { file: string; text: string }[] = [];
  for (const name of files) {
    const file = path.resolve(ctx.io.cwd, name);
    const text = await readInput(file);
    try {
      prepareRecords(text);
    } catch (error) {
      if (error instanceof FhirValidationError) {
        throw new CliError("FHIR_INVALID", fhirIssuesMessage(`invalid FHIR R4 in ${name}`, error.issues), ExitCode.INVALID_INPUT, {
          file: name,
          issues: issueList(error.issues),
        });
      }
      throw error;
    }
    inputs.push({ file: name, text });
  }

  // 2. Who the records are for and who can open them.
  const written = await ctx.withChain(config, async (chain) => {
    const patient = options.patient ?? identity.address;
    const { patients, consents } = chain.contracts;
    if (!(await patients.isPatient(patient))) {
      const hint = patient === identity.address ? " (run `medrec patient create`)" : "";
      throw new CliError("NOT_A_PATIENT", `${patient} is not a registered patient${hint}`, ExitCode.REFUSED);
    }
    if (getAddress(patient) !== identity.address && !(await consents.canAppend(identity.address, patient))) {
      throw new CliError(
        "NOT_AUTHORISED",
        `${identity.address} may not add records for ${patient}: it needs to be an active provider or lab with the patient's APPEND consent over all records`,
        ExitCode.REFUSED,
      );
    }
    const resolver = options.resolver ? await checkedResolver(options.resolver, chain) : undefined;
    const recipients = [
      ...new Set(
        [await patients.encryptionKeyOf(patient), identity.encryptionPublicKey, options.resolverKey, resolver?.encryptionPublicKey]
          .filter((k): k is string => !!k)
          .map((k) => k.toLowerCase()),
      ),
    ];
    const signer = await ctx.fundedSigner(config, chain);
    const { eoaRecordWriter } = await import("../../records");
    const { hexToBytes } = await import("../../crypto");
    const ingestOptions = { patient, recipients: recipients.map(hexToBytes), writer: eoaRecordWriter(chain.addresses.RecordToken, signer) };

    // 3. Ingest, one file after the other, with a progress bar over the files.
    const records = await openRecords(
      config,
      chain,
      resolver && { url: resolver.url, publicKey: resolver.encryptionPublicKey, signer, domain: resolver.domain },
    );
    const progress = createProgress("files", progressWanted({ json: ctx.json, progress: options.progress }, ctx.io.stderr), ctx.io.stderr);
    try {
      progress.update(0, inputs.length, "0 records");
      const results = await ingestBundles(
        records.context,
        inputs.map((input) => ({ input: input.text, options: ingestOptions })),
        {
          concurrency: options.concurrency,
          onProgress: (p) => progress.update(p.done, p.total, `${p.records} record${p.records === 1 ? "" : "s"}`),
        },
      );
      return { patient, results };
    } finally {
      progress.finish();
      await records.close();
    }
  });

  const rows = written.results.flatMap((records: IngestedRecord[], index: number) => records.map((record) => ({ file: inputs[index].file, ...record })));
  await ctx.output.result(
    {
      patient: written.patient,
      records: rows.map((row) => ({
        file: row.file,
        tokenId: row.tokenId,
        version: row.version,
        kind: row.kind,
        encounter: row.encounter ?? null,
        cid: row.cid,
        contentHash: row.contentHash,
        size: row.size,
      })),
    },
    () => {
      const columns = [
        ...(inputs.length > 1 ? [{ header: "FILE" }] : []),
        { header: "TOKEN", align: "right" as const },
        { header: "KIND" },
        { header: "ENCOUNTER" },
        { header: "CID" },
        { header: "CONTENT HASH" },
      ];
      const body = rows.map((row) => [
        ...(inputs.length > 1 ? [row.file] : []),
        row.tokenId.toString(10),
        row.kind,
        row.encounter ?? "-",
        row.cid,
        row.contentHash,
      ]);
      return `${rows.length} record${rows.length === 1 ? "" : "s"} minted to ${written.patient}\n${table(columns, body)}`;
    },
  );
}

async function get(ctx: CommandContext, ids: string[], options: GetOptions): Promise<void> {
  const tokenIds = ids.map(tokenIdArgument);
  const config = await ctx.config();
  const results = options.resolver ? await readThroughResolver(ctx, config, tokenIds, options.resolver, options.purpose) : await readOwn(ctx, config, tokenIds);

  let bundle: Bundle;
  if (results.length === 1) bundle = results[0].bundle;
  else {
    const { exportRecords } = await import("../../fhir");
    bundle = exportRecords(results.map((result) => ({ kind: result.kind, bundle: result.bundle })));
  }
  const text = JSON.stringify(bundle, null, 2) + "\n";
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
  await writePrivateFile(out, text);
  await ctx.output.result(
    {
      out,
      records: results.map((r) => ({ tokenId: r.tokenId, version: r.version, kind: r.kind, patient: r.patient, contentHash: r.contentHash })),
    },
    () => `wrote ${results.length} record${results.length === 1 ? "" : "s"} (${results.map((r) => `#${r.tokenId} ${r.kind}`).join(", ")}) to ${out}`,
  );
}

/** Reads records with the identity's own X25519 key (its wraps in the local key store). */
async function readOwn(ctx: CommandContext, config: CliConfig, tokenIds: bigint[]): Promise<ReadRecordResult[]> {
  const privateKey = await ctx.encryptionKey(config);
  try {
    return await ctx.withChain(config, async (chain) => {
      const { readRecord } = await import("../../records");
      const records = await openRecords(config, chain);
      try {
        const read: ReadRecordResult[] = [];
        for (const tokenId of tokenIds) read.push(await readRecord(records.context, tokenId, privateKey));
        return read;
      } finally {
        await records.close();
      }
    });
  } finally {
    privateKey.fill(0);
  }
}

/** Reads records whose keys the resolver releases to the identity under its on-chain grant for `purpose`. */
async function readThroughResolver(
  ctx: CommandContext,
  config: CliConfig,
  tokenIds: bigint[],
  url: string,
  purpose: string,
): Promise<(ReadRecordResult & { disclosure: { transactionHash: string; blockNumber: number } })[]> {
  const signer = await ctx.signer(config);
  return ctx.withChain(config, async (chain) => {
    const resolver = await checkedResolver(url, chain);
    const { readRecordThroughResolver } = await import("../../resolver");
    const { encodeBytes32String } = await import("ethers");
    const records = await openRecords(config, chain);
    try {
      const read = [];
      for (const tokenId of tokenIds) {
        const result = await readRecordThroughResolver(records.context, { url, signer, domain: resolver.domain, resolver: resolver.address, tokenId, purpose: encodeBytes32String(purpose) });
        const onChain = await records.context.recordToken.recordOf(tokenId);
        const kind = Buffer.from(onChain.recordKind.slice(2), "hex").toString("utf8").replace(/\0+$/, "");
        read.push({ tokenId, version: result.version, patient: result.patient, kind, contentHash: result.contentHash, bundle: result.bundle, disclosure: result.disclosure });
      }
      return read;
    } finally {
      await records.close();
    }
  });
}

async function forget(ctx: CommandContext, id: string): Promise<void> {
  const tokenId = tokenIdArgument(id);
  const config = await ctx.config();
  const forgotten = await ctx.withChain(config, async (chain) => {
    const signer = await ctx.fundedSigner(config, chain);
    const { eoaRecordWriter, forgetRecord } = await import("../../records");
    const patient = await chain.contracts.records.patientOf(tokenId);
    if (BigInt(patient) !== 0n && getAddress(patient) !== signer.address) {
      throw new CliError("NOT_AUTHORISED", `only the record's patient ${patient} may forget record #${tokenId}`, ExitCode.REFUSED);
    }
    const records = await openRecords(config, chain);
    try {
      return await forgetRecord(records.context, tokenId, eoaRecordWriter(chain.addresses.RecordToken, signer));
    } finally {
      await records.close();
    }
  });
  await ctx.output.result(
    { tokenId: forgotten.tokenId, burned: true, unpinned: forgotten.unpinned },
    () => `record #${forgotten.tokenId} burned; local key wraps destroyed; ciphertext ${forgotten.unpinned ? "unpinned" : "was not in the local store"}`,
  );
}
