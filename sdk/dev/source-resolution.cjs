"use strict";
/**
 * Source resolution of `@medrec/sdk` inside the repository (not shipped: `sdk/package.json` publishes `dist/` only).
 *
 * Node resolves `@medrec/sdk` through the workspace link `node_modules/@medrec/sdk` → `sdk/` and its `exports` map,
 * i.e. to the built `sdk/dist/cjs` — right for the compiled CLI and resolver. Code running as TypeScript through
 * ts-node (the tests, `hardhat run` scripts, `npm run resolver`, `npm run node`) must get the SDK's sources instead,
 * as the very same module instances a test gets from `../sdk/...` (one `MedrecError` class, so `instanceof` holds).
 *
 * Loading this file patches `Module._resolveFilename`: while the `.ts` extension is registered (ts-node is active),
 * `@medrec/sdk` resolves to `sdk/index.ts` and `@medrec/sdk/<path>` to `sdk/<path>` (a file or a folder's
 * `index.ts`); `@medrec/sdk/package.json` and everything else resolve as usual. Without ts-node it changes nothing.
 * It is loaded by `hardhat.config.ts` (every `hardhat` command) and by ts-node's `require` option in `tsconfig.json`
 * (the `ts-node` command). The type checker gets the same mapping from `paths` in `tsconfig.json`.
 */
const Module = require("node:module");
const path = require("node:path");

/** The package name this hook maps. */
const SDK_NAME = "@medrec/sdk";
/** The SDK's source folder. */
const SDK_DIR = path.resolve(__dirname, "..");
const INSTALLED = Symbol.for("medrec.sdk-source-resolution");

if (!Module[INSTALLED]) {
  Module[INSTALLED] = true;
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function resolveSdkSource(request, parent, isMain, options) {
    if ((request === SDK_NAME || request.startsWith(`${SDK_NAME}/`)) && Module._extensions[".ts"]) {
      const subpath = request.slice(SDK_NAME.length + 1);
      if (subpath !== "package.json") {
        return resolveFilename.call(this, path.join(SDK_DIR, subpath === "" ? "index" : subpath), parent, isMain, options);
      }
    }
    return resolveFilename.call(this, request, parent, isMain, options);
  };
}
