/**
 * The files, config, environment and command line of a js-ceramic daemon process started by this package
 * (daemon.ts for an attached child, background.ts for a detached one).
 *
 * All state lives below one directory (see {@link daemonPaths}): the daemon's config, its fs state store, the
 * ComposeDB sqlite index, the in-process IPFS block files (when persisted) and HOME (the CLI writes `~/.ceramic`
 * there).
 *
 * @module
 */
import path from "node:path";
import { ceramicCliBin, injectMemoryIpfsPath } from "./assets";

/** What the config says besides the directory and port. */
export interface DaemonConfigOptions {
  /** js-ceramic log level, 0 (debug) … 3 (warnings only); default 2. */
  logLevel?: 0 | 1 | 2 | 3;
  /** DIDs allowed to use the admin API (e.g. to index models); default none. Public ids, never seeds. */
  adminDids?: string[];
}

/** Where a daemon's files are below its directory. */
export interface DaemonPaths {
  dir: string;
  config: string;
  stateStore: string;
  indexDb: string;
  /** In-process IPFS blocks and pins (used when the directory is persistent). */
  blocks: string;
}

/** The layout of a daemon directory. */
export function daemonPaths(dir: string): DaemonPaths {
  return {
    dir,
    config: path.join(dir, "daemon.config.json"),
    stateStore: path.join(dir, "statestore"),
    indexDb: path.join(dir, "indexing.sqlite"),
    blocks: path.join(dir, "ipfs"),
  };
}

/** The daemon config: inmemory network, HTTP API on 127.0.0.1:`port`, all state below `paths.dir`. */
export function daemonConfig(paths: DaemonPaths, port: number, options: DaemonConfigOptions) {
  return {
    anchor: {},
    "http-api": { hostname: "127.0.0.1", port, "cors-allowed-origins": [".*"], "admin-dids": options.adminDids ?? [] },
    ipfs: { mode: "bundled" }, // never started: inject-memory-ipfs.cjs replaces the connection factory
    logger: { "log-level": options.logLevel ?? 2, "log-to-files": false },
    metrics: { "metrics-exporter-enabled": false, "metrics-publisher-enabled": false },
    network: { name: "inmemory" },
    node: {},
    "state-store": { mode: "fs", "local-directory": paths.stateStore },
    indexing: {
      db: `sqlite://${paths.indexDb}`,
      "allow-queries-before-historical-sync": true,
      "disable-composedb": false,
      "enable-historical-sync": false,
    },
  };
}

/** How the daemon process is tied to its directory and to the process that started it. */
export interface DaemonEnvOptions {
  /** The directory is a temp dir: the watchdog removes it when the daemon is orphaned. */
  temporary: boolean;
  /** Stop when our end of the daemon's stdin closes (attached children only; never for a background daemon). */
  exitWithParent: boolean;
  /** Keep in-process IPFS blocks and pins in `paths.blocks` (persistent directories). */
  persistBlocks: boolean;
}

/** The daemon's environment: the caller's, minus NODE_OPTIONS, plus the switches the stand-in needs. */
export function daemonEnv(paths: DaemonPaths, options: DaemonEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS; // the test runner's loaders (ts-node) have no business in the daemon
  for (const name of ["MEDREC_CERAMIC_EXIT_WITH_PARENT", "MEDREC_CERAMIC_DIR", "MEDREC_CERAMIC_BLOCKS_DIR"]) delete env[name];
  return {
    ...env,
    MEDREC_CERAMIC_MEMORY_IPFS: "1", // arms inject-memory-ipfs.cjs
    ...(options.exitWithParent ? { MEDREC_CERAMIC_EXIT_WITH_PARENT: "1" } : {}), // …and its watchdog
    ...(options.temporary ? { MEDREC_CERAMIC_DIR: paths.dir } : {}), // removed by the watchdog when orphaned
    ...(options.persistBlocks ? { MEDREC_CERAMIC_BLOCKS_DIR: paths.blocks } : {}),
    IPFS_FLAVOR: "go", // js-ceramic's own pubsub + IPFS path, not ceramic-one / Recon
    CERAMIC_SKIP_IPFS_PERSISTENCE_STARTUP_CHECK: "true",
    SCARF_ANALYTICS: "false",
    DO_NOT_TRACK: "1",
    NO_COLOR: "1",
    HOME: paths.dir, // the CLI writes ~/.ceramic (client config, heap-dump dir) here
  };
}

/** `node --require inject-memory-ipfs.cjs ceramic.js daemon --config <config>`: executable and arguments. */
export function daemonCommand(paths: DaemonPaths): { command: string; args: string[] } {
  return { command: process.execPath, args: ["--require", injectMemoryIpfsPath(), ceramicCliBin(), "daemon", "--config", paths.config] };
}
