/**
 * Where `medrec breakglass propose` gets the reason text: `--reason <text>`, or `--reason-file <file>` (`-` for
 * standard input), which keeps it off the command line (process listings, shell history). The text is only hashed
 * (keccak256, as it goes on-chain); it is never written, printed or put in an error message.
 *
 * @module
 */
import path from "node:path";
import type { CliIo } from "./context";
import { CliError, ExitCode } from "./errors";
import { readInputFile } from "./input-file";

/** The longest reason read from a file or standard input, in bytes. */
export const MAX_REASON_BYTES = 16 * 1024;

/**
 * The reason text from exactly one of `--reason` and `--reason-file`. From a file or standard input, one trailing
 * newline (`\n` or `\r\n`) is dropped, so that `echo "…" |` hashes like `--reason "…"`.
 * @param options The command's options.
 * @param io The command's standard input and current folder.
 * @throws {CliError} `REASON_REQUIRED` (2) when neither or both are given, `FILE_NOT_FOUND` (4), `FILE_UNREADABLE`
 * (3), `REASON_TOO_LONG` (3).
 */
export async function reasonText(options: { reason?: string; reasonFile?: string }, io: CliIo): Promise<string> {
  if ((options.reason === undefined) === (options.reasonFile === undefined)) {
    throw new CliError("REASON_REQUIRED", "give the reason with exactly one of --reason <text> and --reason-file <file|->", ExitCode.USAGE);
  }
  if (options.reason !== undefined) return options.reason;
  const bytes = options.reasonFile === "-" ? await readStdin(io) : await readInputFile(path.resolve(io.cwd, options.reasonFile as string));
  if (bytes.length > MAX_REASON_BYTES) {
    throw new CliError("REASON_TOO_LONG", `the reason is longer than ${MAX_REASON_BYTES} bytes`, ExitCode.INVALID_INPUT);
  }
  return bytes.toString("utf8").replace(/\r?\n$/, "");
}

/** Standard input, up to one byte past the limit. */
async function readStdin(io: CliIo): Promise<Buffer> {
  const stream = io.stdin;
  if (!stream) throw new CliError("FILE_UNREADABLE", "no standard input to read the reason from", ExitCode.INVALID_INPUT);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    chunks.push(buffer);
    size += buffer.length;
    if (size > MAX_REASON_BYTES) break;
  }
  return Buffer.concat(chunks);
}
