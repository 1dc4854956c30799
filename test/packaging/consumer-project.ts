/**
 * A fresh npm project outside the repository that depends on a packed `@medrec/sdk` tarball, installable offline.
 *
 * npm 11 resolves a new dependency from the registry's full package documents, which `npm ci` never downloads, so
 * `npm install --offline <tarball>` into an empty project fails with `ENOTCACHED` on a machine that only ran
 * `npm ci`. What the cache does hold after `npm ci` is every tarball (and its abbreviated document) of the
 * repository's lockfile. {@link writeConsumerProject} therefore writes the consumer's `package-lock.json` itself:
 * the SDK tarball plus the closure of its dependencies (and of the consumer's own devDependencies) copied from the
 * repository's lockfile, the versions the repository is tested with. `npm ci --offline` then installs it from the
 * cache alone, exactly as a consumer with a lockfile would install it from the registry. The repository's
 * `overrides` that shape that closure (e.g. one `@didtools/pkh-ethereum` for every Ceramic package) are copied into
 * the consumer's `package.json`, or npm would try to re-resolve those edges.
 */
import { createHash } from "node:crypto";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** One entry of a lockfile-v3 `packages` map (the fields this module reads or writes). */
interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  license?: string;
  engines?: Record<string, string>;
  bin?: Record<string, string> | string;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  hasInstallScript?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** The parts of a lockfile-v3 document this module uses. */
interface Lockfile {
  packages: Record<string, LockEntry>;
}

/** What {@link writeConsumerProject} needs. */
export interface ConsumerProjectOptions {
  /** The repository root (holds `package-lock.json` and `package.json`). */
  repoRoot: string;
  /** The packed SDK (`npm pack` output). */
  tarball: string;
  /** The empty directory to write the project into. */
  dir: string;
  /** Packages the consumer imports itself besides the SDK (e.g. `ethers`), at the repository's versions. */
  dependencies?: string[];
  /** Packages the consumer also installs as devDependencies (e.g. `typescript`), at the repository's versions. */
  devDependencies: string[];
}

const SDK_NAME = "@medrec/sdk";
const SDK_LOCATION = `node_modules/${SDK_NAME}`;

/** The lockfile location `name` resolves to from `from`, the way Node walks up `node_modules` folders. */
function resolveLocation(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === "") return undefined;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut === -1 ? "" : base.slice(0, cut);
  }
}

/** The registry tarball URL of `name@version` (what npm writes as `resolved`). */
function registryTarball(name: string, version: string): string {
  const basename = name.startsWith("@") ? name.split("/")[1] : name;
  return `https://registry.npmjs.org/${name}/-/${basename}-${version}.tgz`;
}

/** The npm package name at a `node_modules/...` location. */
function nameAt(location: string): string {
  const tail = location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length);
  return tail;
}

/**
 * Every lockfile location reachable from the starts (dependencies, optional and peer dependencies). A start is the
 * location lookups begin from (`sdk` for the SDK's workspace folder, `""` for the root) and the names it needs.
 * @throws Error when a required dependency is not in the lockfile.
 */
function closure(packages: Record<string, LockEntry>, starts: Array<{ from: string; names: Record<string, string> }>): Set<string> {
  const seen = new Set<string>();
  const queue: Array<{ from: string; names: Record<string, string>; optional: Set<string> }> = starts.map((start) => ({ ...start, optional: new Set() }));
  while (queue.length > 0) {
    const { from, names, optional } = queue.shift()!;
    for (const name of Object.keys(names)) {
      const location = resolveLocation(packages, from, name);
      if (!location) {
        if (optional.has(name)) continue;
        throw new Error(`consumer lockfile: ${name} (needed by ${from || "the root"}) is not in the repository's lockfile`);
      }
      if (seen.has(location)) continue;
      seen.add(location);
      const entry = packages[location];
      const optionalNames = new Set([
        ...Object.keys(entry.optionalDependencies ?? {}),
        ...Object.entries(entry.peerDependenciesMeta ?? {}).filter(([, meta]) => meta.optional).map(([peer]) => peer),
      ]);
      queue.push({
        from: location,
        names: { ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies },
        optional: optionalNames,
      });
    }
  }
  return seen;
}

/**
 * The repository's `overrides` for packages the consumer installs, with `$name` references replaced by the
 * repository's version of `name` (they only mean something in the repository's own `package.json`).
 */
function consumerOverrides(overrides: Record<string, unknown>, versions: Record<string, string>, installed: Set<string>): Record<string, unknown> {
  const concrete = (value: unknown): unknown => {
    if (typeof value === "string") {
      if (!value.startsWith("$")) return value;
      const version = versions[value.slice(1)];
      if (!version) throw new Error(`consumer lockfile: override reference ${value} names no devDependency of the repository`);
      return version;
    }
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, concrete(inner)]));
    return value;
  };
  return Object.fromEntries(
    Object.entries(overrides)
      .filter(([name]) => installed.has(name))
      .map(([name, value]) => [name, concrete(value)]),
  );
}

/** The `sha512-…` integrity string of a file. */
async function integrityOf(file: string): Promise<string> {
  return `sha512-${createHash("sha512").update(await readFile(file)).digest("base64")}`;
}

/**
 * Writes `package.json` and `package-lock.json` of a consumer project into `options.dir` (and copies the tarball
 * there), so that `npm ci --offline` installs the SDK with the repository's dependency versions.
 * @returns The project's `package.json` contents.
 * @throws Error when the repository's lockfile lacks a package the SDK needs.
 */
export async function writeConsumerProject(options: ConsumerProjectOptions): Promise<Record<string, unknown>> {
  const lock = JSON.parse(await readFile(path.join(options.repoRoot, "package-lock.json"), "utf8")) as Lockfile;
  const rootPackage = JSON.parse(await readFile(path.join(options.repoRoot, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
    overrides?: Record<string, unknown>;
  };
  const sdkWorkspace = lock.packages.sdk;
  if (!sdkWorkspace || sdkWorkspace.name !== SDK_NAME) throw new Error("consumer lockfile: the repository's lockfile has no `sdk` workspace; run `npm install`");
  const sdkDependencies = sdkWorkspace.dependencies ?? {};

  const versionsOf = (names: string[]): Record<string, string> =>
    Object.fromEntries(
      names.map((name) => {
        const version = rootPackage.devDependencies[name];
        if (!version) throw new Error(`consumer lockfile: ${name} is not a devDependency of the repository`);
        return [name, version];
      }),
    );
  const ownNames = versionsOf(options.dependencies ?? []);
  const devNames = versionsOf(options.devDependencies);
  // The repository keeps workspace-only packages under `sdk/node_modules`; everything else is hoisted.
  const production = closure(lock.packages, [
    { from: "sdk", names: sdkDependencies },
    { from: "", names: ownNames },
  ]);
  const development = closure(lock.packages, [{ from: "", names: devNames }]);

  const tarballName = path.basename(options.tarball);
  await copyFile(options.tarball, path.join(options.dir, tarballName));
  const spec = `file:${tarballName}`;

  const packages: Record<string, LockEntry> = {};
  const installed = new Set([...production, ...development].map(nameAt));
  const overrides = consumerOverrides(rootPackage.overrides ?? {}, rootPackage.devDependencies, installed);
  const manifest = {
    name: "medrec-consumer",
    version: "0.0.0",
    private: true,
    dependencies: { [SDK_NAME]: spec, ...ownNames },
    devDependencies: devNames,
    // As in the repository: no install-time analytics (scarf), should scripts ever run.
    scarfSettings: { enabled: false },
    ...(Object.keys(overrides).length > 0 ? { overrides } : {}),
  };
  packages[""] = { name: manifest.name, version: manifest.version, dependencies: manifest.dependencies, devDependencies: devNames };
  packages[SDK_LOCATION] = {
    version: sdkWorkspace.version,
    resolved: spec,
    integrity: await integrityOf(path.join(options.dir, tarballName)),
    license: sdkWorkspace.license,
    dependencies: sdkDependencies,
    engines: sdkWorkspace.engines,
  };
  for (const location of new Set([...production, ...development])) {
    const entry = lock.packages[location];
    if (entry.link || !entry.version || !entry.integrity) {
      throw new Error(`consumer lockfile: ${location} is not a registry package (${entry.resolved ?? "no version"}); the consumer cannot install it offline`);
    }
    // A workspace-private copy (`sdk/node_modules/x`) sits under the installed SDK in the consumer.
    const target = location.startsWith("sdk/") ? `${SDK_LOCATION}/${location.slice("sdk/".length)}` : location;
    const { dev, devOptional, optional, peer, ...rest } = entry;
    void dev;
    void peer;
    const copy: LockEntry = { ...rest, resolved: entry.resolved ?? registryTarball(nameAt(location), entry.version) };
    if (!production.has(location)) copy.dev = true;
    if (optional || devOptional) copy.optional = true;
    packages[target] = copy;
  }
  await writeFile(path.join(options.dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(
    path.join(options.dir, "package-lock.json"),
    `${JSON.stringify({ name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
  return manifest;
}
