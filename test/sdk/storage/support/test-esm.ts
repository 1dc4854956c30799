// Typed native import() of the ESM-only packages the sdk/storage tests use (loaded by mocha too; no tests).
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ensurePromiseWithResolvers } from "../../../../sdk/storage";

/** Test-only ESM modules, by alias, with their declared types. */
export interface TestEsmModules {
  msw: typeof import("msw");
  "msw/node": typeof import("msw/node");
  viem: typeof import("viem");
  "@filoz/synapse-sdk/piece": typeof import("@filoz/synapse-sdk/dist/src/piece/index.js");
  /** The msw JSON-RPC mocks the Synapse SDK ships in its package (not in its `exports` map). */
  "synapse-sdk-mocks/jsonrpc": typeof import("@filoz/synapse-sdk/dist/src/test/mocks/jsonrpc/index.js");
}

const dynamicImport = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<unknown>;

/** The folder of an installed package, found like `require` finds it (works for packages without `exports` of it). */
export function packageDirectory(name: string): string {
  for (const dir of require.resolve.paths(name) ?? []) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(path.join(candidate, "package.json"))) return candidate;
  }
  throw new Error(`package ${name} is not installed`);
}

/** Imports a test-only ESM module with a native import(). */
export async function loadTestEsm<K extends keyof TestEsmModules>(alias: K): Promise<TestEsmModules[K]> {
  ensurePromiseWithResolvers();
  const specifier =
    alias === "synapse-sdk-mocks/jsonrpc"
      ? pathToFileURL(path.join(packageDirectory("@filoz/synapse-sdk"), "dist/src/test/mocks/jsonrpc/index.js")).href
      : alias;
  return (await dynamicImport(specifier)) as TestEsmModules[K];
}
