import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { bytesToHex } from "../../sdk/crypto";
import type { ResolverStack } from "./resolver-stack";

const ROOT = path.resolve(__dirname, "..", "..");

/** A resolver started as its own process by {@link spawnResolver}. */
export interface ResolverProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Settles when the process exits, with its exit code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/**
 * `npm run resolver` as its own process (the command the README gives: `resolver/main.ts` under ts-node, in this
 * process's environment plus `env`), with its output collected.
 * @param env Variables added to (or overriding) this process's environment.
 */
export function spawnResolver(env: NodeJS.ProcessEnv): ResolverProcess {
  const child = spawn(process.execPath, [path.join(ROOT, "node_modules", "ts-node", "dist", "bin.js"), "--transpile-only", "resolver/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

/**
 * Polls `GET /healthz` every 200 ms until it answers 200.
 * @param url The resolver's base URL.
 * @param timeoutMs How long to wait (default 60 s).
 * @throws When it did not answer 200 in time.
 */
export async function waitForHealth(url: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`resolver at ${url} not healthy in time`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The environment that runs a resolver process as the stack's resolver (its chain, contracts and both keys) on
 * `databaseFile` and 127.0.0.1:`port`.
 */
export function resolverProcessEnv(stack: ResolverStack, options: { databaseFile: string; port: number }): Record<string, string> {
  return {
    RESOLVER_RPC_URL: stack.chain.rpcUrl,
    RESOLVER_CONSENT_MANAGER: stack.config.consentManager,
    RESOLVER_RECORD_TOKEN: stack.config.recordToken,
    RESOLVER_SIGNER_KEY: stack.identity.signerPrivateKey,
    RESOLVER_ENCRYPTION_KEY: bytesToHex(stack.identity.encryptionPrivateKey),
    RESOLVER_DB: options.databaseFile,
    RESOLVER_PORT: String(options.port),
    RESOLVER_START_BLOCK: String(stack.deployment.startBlock),
  };
}
