/**
 * The one place where `sdk/storage` loads ES-module-only packages.
 *
 * The project compiles to CommonJS (`module: commonjs`), where TypeScript rewrites `import()` into `require()`;
 * Helia, libp2p, multiformats, `@ipld/*`, `filecoin-pin` and the Synapse SDK are ESM-only, most of them without a
 * `require` export condition, so `require()` cannot load them even on Node ≥ 20.19. {@link loadEsm} performs a real
 * `import()` (built with `new Function`, which TypeScript leaves alone) and types the result from the packages' own
 * declarations through {@link EsmModules}; resolution is relative to this file, like `require`.
 *
 * Type-only imports of these packages elsewhere are fine (they are erased); runtime values must come from here.
 *
 * @module
 */
import { ensurePromiseWithResolvers } from "./node-compat";

/** The ESM packages `sdk/storage` loads at run time, by specifier, with their declared types. */
export interface EsmModules {
  "multiformats/cid": typeof import("multiformats/cid");
  "multiformats/hashes/digest": typeof import("multiformats/hashes/digest");
  "@ipld/dag-pb": typeof import("@ipld/dag-pb");
  "@ipld/car": typeof import("@ipld/car");
  "ipfs-unixfs": typeof import("ipfs-unixfs");
  "ipfs-unixfs-importer/chunker": typeof import("ipfs-unixfs-importer/chunker");
  "ipfs-unixfs-importer/layout": typeof import("ipfs-unixfs-importer/layout");
  "@helia/unixfs": typeof import("@helia/unixfs");
  "@helia/utils": typeof import("@helia/utils");
  libp2p: typeof import("libp2p");
  "blockstore-fs": typeof import("blockstore-fs");
  "blockstore-core": typeof import("blockstore-core");
  "datastore-fs": typeof import("datastore-fs");
  // `filecoin-pin` exports these as `filecoin-pin/core/*`; the dist paths only serve the type checker, which
  // resolves with `moduleResolution: node` and cannot read the `exports` map.
  "filecoin-pin/core/synapse": typeof import("filecoin-pin/dist/core/synapse/index.js");
  "filecoin-pin/core/upload": typeof import("filecoin-pin/dist/core/upload/index.js");
}

/** A specifier of {@link EsmModules}. */
export type EsmSpecifier = keyof EsmModules;

const dynamicImport = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

/**
 * Imports an ESM-only package with a native `import()`.
 *
 * Installs the Node 20 shims Helia needs ({@link ensurePromiseWithResolvers}) first, so every ESM module sees them.
 * @param specifier A package specifier listed in {@link EsmModules}.
 * @returns The module namespace, typed from the package's declarations.
 */
export async function loadEsm<K extends EsmSpecifier>(specifier: K): Promise<EsmModules[K]> {
  ensurePromiseWithResolvers();
  return (await dynamicImport(specifier)) as EsmModules[K];
}
