import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { findFreePort } from "../../era-test-node/ports";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { resolverProcessEnv, spawnResolver, waitForHealth } from "../helpers/resolver-process";
import { depositRecordKey, resolverInfo } from "../../sdk/resolver";

const BUNDLE = JSON.parse(readFileSync(path.resolve(__dirname, "..", "fixtures", "synthetic-patient-bundle.json"), "utf8"));

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
    const env = resolverProcessEnv(stack, { databaseFile: path.join(stack.dir, "process.sqlite"), port });
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
