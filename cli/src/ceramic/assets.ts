/**
 * Where the daemon launcher's plain-JavaScript helpers are: `inject-memory-ipfs.cjs` (preloaded into the daemon),
 * which loads `memory-ipfs.cjs` and `block-files.cjs` next to itself. tsc does not emit `.cjs` files, so code
 * compiled to `cli/dist/cli/src/ceramic/` looks next to itself first (the `build` script copies them there) and then
 * in the source folder `cli/src/ceramic/` of the package it belongs to.
 *
 * @module
 */
import { existsSync } from "node:fs";
import path from "node:path";

/** The folder of the `.cjs` helpers relative to the package root. */
const SOURCE_FOLDER = path.join("cli", "src", "ceramic");
/** The helpers that must sit together in one folder (inject-memory-ipfs.cjs requires the others by relative path). */
const HELPERS = ["inject-memory-ipfs.cjs", "memory-ipfs.cjs", "block-files.cjs"];

/**
 * The folder holding the `.cjs` helpers: `from` itself when they are all there, else `cli/src/ceramic` under the
 * nearest ancestor of `from` that has it (the package root).
 * @param from Where to start; default this module's folder.
 * @throws Error naming the folders searched when none has all the helpers.
 */
export function ceramicHelpersDir(from: string = __dirname): string {
  const complete = (dir: string) => HELPERS.every((name) => existsSync(path.join(dir, name)));
  if (complete(from)) return from;
  const searched = [from];
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, SOURCE_FOLDER);
    searched.push(candidate);
    if (complete(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new Error(`the ceramic daemon helpers (${HELPERS.join(", ")}) are in none of: ${searched.join(", ")}`);
}

/** Absolute path of `inject-memory-ipfs.cjs`, the `--require` preload of the daemon process. */
export function injectMemoryIpfsPath(): string {
  return path.join(ceramicHelpersDir(), "inject-memory-ipfs.cjs");
}

/** Absolute path of the `ceramic` CLI entry point of `@ceramicnetwork/cli`. */
export function ceramicCliBin(): string {
  return path.join(path.dirname(require.resolve("@ceramicnetwork/cli/package.json")), "bin", "ceramic.js");
}
