/**
 * Files only their owner may read, written so that nobody else can see or redirect what is written: health data
 * exported by the CLI, key stores, identities, configuration.
 *
 * @module
 */
import { constants } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";
import { randomBytes } from "node:crypto";

/**
 * Writes `data` to `file`, readable by its owner only (mode 0600), atomically:
 * 1. a fresh temporary file beside `file` (random name) is created exclusively (`O_CREAT | O_EXCL`) without
 *    following a symbolic link (`O_NOFOLLOW`), with mode 0600 from the start, so no byte is ever readable by
 *    anyone else and a link planted in its place makes the write fail instead of landing elsewhere;
 * 2. the data is written and flushed to disk;
 * 3. the temporary file is renamed over `file`: a symbolic link at `file` is replaced, never followed, and readers
 *    see the old content or the new, never a part.
 * The folder is created with mode 0700 when missing. On failure the temporary file is removed and `file` is as
 * it was.
 * @param file The file.
 * @param data Its content (UTF-8 text or bytes).
 */
export async function writePrivateFile(file: string, data: string | Uint8Array): Promise<void> {
  const target = path.resolve(file);
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(8).toString("hex")}.tmp`);
  const create = () => open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  let handle;
  try {
    handle = await create();
  } catch (error) {
    // The folder is made only when missing: a key store writing many files into one folder pays no mkdir per file.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    handle = await create();
  }
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
