#!/usr/bin/env node
/**
 * Builds the `@medrec/sdk` package into `sdk/dist` (run by `npm run build` in `sdk/`, `npm run build:sdk` at the
 * root, and `prepack`):
 *
 * - `dist/cjs/`       CommonJS, one file per module with its `.d.ts` next to it (`tsc -p tsconfig.build.json`), the
 *                     typechain contract types (`chain/contracts/`) included, for `require()` — the repository's own
 *                     compiled CLI and resolver on Node 20, which cannot `require()` an ES module.
 * - `dist/esm/`       ES modules bundled by esbuild (`index.js`, `browser.js` when `browser.ts` exists, and
 *                     `prepare-worker.js`, the worker `records/prepare-pool.ts` starts by file path), every package
 *                     kept external. A banner gives each file the `__dirname`, `__filename` and `require` that the
 *                     CommonJS-style code paths of the SDK use.
 * - `dist/esm/types/` the same declarations as ES-module declarations (relative specifiers rewritten to explicit
 *                     `.js` / `/index.js`), so that a TypeScript ES-module consumer (`module: nodenext`) sees the SDK's
 *                     dependencies (ethers…) through their ESM declarations, the same ones as its own imports; with
 *                     CommonJS declarations it would get two incompatible copies of e.g. ethers' `Provider`.
 *
 * Nested `package.json` files (`{"type":"module"}` in `esm/`, `{"type":"commonjs"}` in `cjs/`) tell Node how to load
 * each half; `sdk/package.json` itself stays without `"type"` so ts-node runs the sources as CommonJS.
 *
 * Fails loudly (exit code 1, one line naming the cause) when the contract types have not been generated or a
 * step fails.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const sdkDir = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(sdkDir, "dist");
const require = createRequire(import.meta.url);

/** Prints `message` to stderr and exits with code 1. */
function fail(message) {
  process.stderr.write(`build @medrec/sdk: ${message}\n`);
  process.exit(1);
}

if (!existsSync(path.join(sdkDir, "chain", "contracts", "index.ts"))) {
  fail("sdk/chain/contracts/ is missing: run `npm run compile` at the repository root first (typechain generates it)");
}

rmSync(dist, { recursive: true, force: true });

// 1. CommonJS + its declarations.
const tsc = require.resolve("typescript/bin/tsc");
const compiled = spawnSync(process.execPath, [tsc, "-p", path.join(sdkDir, "tsconfig.build.json")], { stdio: "inherit" });
if (compiled.error) fail(`could not run tsc (${compiled.error.message})`);
if (compiled.status !== 0) fail(`tsc failed (exit code ${compiled.status})`);

// 2. ES modules.
let esbuild;
try {
  esbuild = await import("esbuild");
} catch (error) {
  fail(`esbuild is not installed (${error.code ?? error.message}); run \`npm ci\` at the repository root`);
}
const entryPoints = { index: path.join(sdkDir, "index.ts"), "prepare-worker": path.join(sdkDir, "records", "prepare-worker.ts") };
if (existsSync(path.join(sdkDir, "browser.ts"))) entryPoints.browser = path.join(sdkDir, "browser.ts");
const banner = [
  `import { createRequire as __medrecCreateRequire } from "node:module";`,
  `import { fileURLToPath as __medrecFileURLToPath } from "node:url";`,
  `import { dirname as __medrecDirname } from "node:path";`,
  `const require = __medrecCreateRequire(import.meta.url);`,
  `const __filename = __medrecFileURLToPath(import.meta.url);`,
  `const __dirname = __medrecDirname(__filename);`,
].join("\n");
try {
  await esbuild.build({
    entryPoints,
    outdir: path.join(dist, "esm"),
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    banner: { js: banner },
    logLevel: "warning",
    tsconfig: path.join(sdkDir, "tsconfig.build.json"),
  });
} catch (error) {
  fail(`esbuild failed (${error.message.split("\n")[0]})`);
}

// 3. ES-module declarations: a copy of the CommonJS ones with explicit relative specifiers.
const cjsDir = path.join(dist, "cjs");
const esmTypes = path.join(dist, "esm", "types");
cpSync(cjsDir, esmTypes, { recursive: true, filter: (source) => statSync(source).isDirectory() || source.endsWith(".d.ts") });
const unresolved = [];
/** `specifier` (relative, from a declaration in `dir`) with the explicit extension ESM resolution needs. */
function explicit(dir, specifier) {
  if (specifier.endsWith(".js")) return specifier;
  if (existsSync(path.join(dir, `${specifier}.d.ts`))) return `${specifier}.js`;
  if (existsSync(path.join(dir, specifier, "index.d.ts"))) return `${specifier === "." || specifier === ".." ? specifier : specifier.replace(/\/$/, "")}/index.js`;
  unresolved.push(`${path.relative(esmTypes, dir) || "."}: ${specifier}`);
  return specifier;
}
/** Every `.d.ts` below `dir`. */
function declarations(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? declarations(path.join(dir, entry.name)) : entry.name.endsWith(".d.ts") ? [path.join(dir, entry.name)] : [],
  );
}
const RELATIVE = /((?:\bfrom|\bimport)\s*\(?\s*)(["'])(\.\.?(?:\/[^"']*)?)\2/g;
for (const file of declarations(esmTypes)) {
  const text = readFileSync(file, "utf8");
  const rewritten = text.replace(RELATIVE, (_, lead, quote, specifier) => `${lead}${quote}${explicit(path.dirname(file), specifier)}${quote}`);
  if (rewritten !== text) writeFileSync(file, rewritten);
}
if (unresolved.length > 0) fail(`relative imports in the declarations that name no declaration file: ${unresolved.slice(0, 5).join("; ")}`);

// 4. Module kinds, by folder.
writeFileSync(path.join(dist, "esm", "package.json"), `${JSON.stringify({ type: "module" })}\n`);
writeFileSync(path.join(dist, "cjs", "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
process.stdout.write(`built @medrec/sdk into ${path.relative(process.cwd(), dist) || "."} (cjs with declarations; esm: ${Object.keys(entryPoints).join(", ")}, with ESM declarations)\n`);
