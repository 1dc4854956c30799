/**
 * Reading a file the person named on the command line, with the two failures put in words: no such file (exit 4)
 * and a file that cannot be read (exit 3).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { CliError, ExitCode } from "./errors";

/**
 * The bytes of `file`.
 * @throws {CliError} `FILE_NOT_FOUND` (4) or `FILE_UNREADABLE` (3).
 */
export async function readInputFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CliError("FILE_NOT_FOUND", `no such file: ${file}`, ExitCode.NOT_FOUND);
    throw new CliError("FILE_UNREADABLE", `cannot read ${file} (${code ?? "error"})`, ExitCode.INVALID_INPUT);
  }
}
