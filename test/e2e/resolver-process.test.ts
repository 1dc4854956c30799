import { expect } from "chai";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { bytesToHex } from "../../sdk/crypto";
import { findFreePort } from "../../era-test-node/ports";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { depositRecordKey, resolverInfo } from "../../sdk/resolver";
import { Purpose } from "../../sdk/vocabulary";

const ROOT = path.resolve(__dirname, "..", "..");
const BUNDLE = JSON.parse(readFileSync(path.resolve(__dirname, "..", "fixtures", "synthetic-patient-bundle.json"), "utf8"));

/** `npm run resolver` as its own process (the command the README gives), with its output collected. */
function spawnResolver(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<{ code: number | null; signal: string | null }> } {
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

async function waitForHealth(url: string, timeoutMs = 60_000): Promise<void> {
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

describe("e2e: `npm run resolver` as a process: configuration from env, graceful stop on SIGTERM/SIGINT, state kept on disk", function () {
  this.timeout(240_000);
  let stack: ResolverStack;
  const running: ChildProcess[] = [];

  before(async () => {
    stack = await startResolverStack();
  });
  after(async () => {
    for (const child of running) if (child.exitCode === null) child.kill("SIGKILL");
    await stack?.stop();
  });

  it("serves reads, stops on SIGTERM with exit code 0, restarts on the same database, stops on SIGINT", async () => {
    const [record] = await stack.ingest(BUNDLE);
    await stack.grantRead(stack.signers.reader.address, record.tokenId);
    const port = await findFreePort("127.0.0.1");
    const url = `http://127.0.0.1:${port}`;
    const env = {
      RESOLVER_RPC_URL: stack.chain.rpcUrl,
      RESOLVER_CONSENT_MANAGER: stack.config.consentManager,
      RESOLVER_RECORD_TOKEN: stack.config.recordToken,
      RESOLVER_SIGNER_KEY: stack.identity.signerPrivateKey,
      RESOLVER_ENCRYPTION_KEY: bytesToHex(stack.identity.encryptionPrivateKey),
      RESOLVER_DB: path.join(stack.dir, "process.sqlite"),
      RESOLVER_PORT: String(port),
      RESOLVER_START_BLOCK: String(stack.deployment.startBlock),
    };
    const read = () =>
      stack.read(stack.signers.reader, record.tokenId, { url });

    const first = spawnResolver(env);
    running.push(first.child);
    await waitForHealth(url);
    expect((await resolverInfo(url)).address).to.equal(stack.identity.address);
    const wrap = await stack.resolver.database.getWrap(record.tokenId, record.version);
    await depositRecordKey({ url, signer: stack.signers.writer, domain: stack.domain, tokenId: record.tokenId, version: record.version, wrappedKey: wrap! });
    expect((await read()).tokenId).to.equal(record.tokenId);
    first.child.kill("SIGTERM");
    expect(await first.exited).to.deep.equal({ code: 0, signal: null });
    expect(first.output()).to.include('"msg":"shutting down"');
    expect(first.output()).to.not.include(env.RESOLVER_ENCRYPTION_KEY.slice(2));
    expect(first.output()).to.not.include(env.RESOLVER_SIGNER_KEY.slice(2));

    const second = spawnResolver(env);
    running.push(second.child);
    await waitForHealth(url);
    expect((await read()).tokenId).to.equal(record.tokenId); // the deposited wrap survived the restart
    second.child.kill("SIGINT");
    expect(await second.exited).to.deep.equal({ code: 0, signal: null });
  });

  it("refuses to start without keys, naming what to set", async () => {
    const missing = spawnResolver({ RESOLVER_CONSENT_MANAGER: stack.config.consentManager, RESOLVER_RECORD_TOKEN: stack.config.recordToken, RESOLVER_KEY_FILE: "", RESOLVER_SIGNER_KEY: "", RESOLVER_ENCRYPTION_KEY: "" });
    running.push(missing.child);
    expect((await missing.exited).code).to.equal(1);
    expect(missing.output()).to.include("RESOLVER_KEY_FILE");
  });
});
