import { expect } from "chai";
import { HEALTH_CACHE_MS } from "../../resolver/routes/health";
import { Wallet } from "ethers";
import { readFileSync } from "node:fs";
import path from "node:path";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { expectRejects } from "../helpers/rejects";
import { postAccess, rawRequest, signedAccessBody } from "../helpers/access-requests";
import { fileKeyStore, type IngestedRecord } from "../../sdk/records";
import { records as recordActions } from "../../sdk";
import { depositRecordKey, ResolverError } from "../../sdk/resolver";
import { ContentNotFoundError } from "../../sdk/storage";
import { Purpose } from "../../sdk/vocabulary";
import { eventually } from "../helpers/eventually";

const BUNDLE = JSON.parse(readFileSync(path.resolve(__dirname, "..", "fixtures", "synthetic-patient-bundle.json"), "utf8"));

describe("e2e: erasure, restart, shutdown and limits of the resolver", function () {
  this.timeout(180_000);
  let stack: ResolverStack;
  let records: IngestedRecord[];

  const disclosures = () => stack.disclosureCount();
  // The patient's client, on the key store the stack's ingest wrote to (so that forgetting deletes its wraps too).
  const patientClient = () => stack.clientOf(stack.signers.patient, { keys: fileKeyStore(path.join(stack.dir, "writer-keys")) });
  const read = (tokenId: bigint, url = stack.resolver.url) =>
    stack.read(stack.signers.reader, tokenId, { url });

  before(async () => {
    stack = await startResolverStack({ burnPollMs: 100 });
    records = await stack.ingest(BUNDLE);
    for (const record of records) await stack.grantRead(stack.signers.reader.address, record.tokenId);
  });
  after(async () => stack?.stop());

  it("erasure: after the patient burns, the resolver shreds its wrap, answers 410, and the ciphertext is unpinned", async () => {
    const record = records[0];
    await read(record.tokenId);
    const forgotten = await recordActions.forget(await patientClient(), { tokenId: record.tokenId });
    expect(forgotten.unpinned).to.equal(true);
    await expectRejects(stack.store.get(forgotten.cid), ContentNotFoundError, "CONTENT_NOT_FOUND");
    // isErased answers from memory, at once (before the tombstone and the deletion are written): wait for the wrap too.
    await eventually(() => stack.resolver.database.isErased(record.tokenId));
    await eventually(async () => (await stack.resolver.database.getWrap(record.tokenId, record.version)) === undefined);
    // The tombstone is written first, the log line after the wraps are gone.
    await eventually(async () => stack.logs.some((line) => line.includes("wraps shredded") && line.includes(`"tokenId":"${record.tokenId}"`)));

    const before = await disclosures();
    const { body } = await signedAccessBody(stack, stack.signers.reader, record.tokenId);
    const error = (await expectRejects(postAccess(stack, body), ResolverError, "RECORD_ERASED")) as ResolverError;
    expect(error.status).to.equal(410);
    expect(await disclosures()).to.equal(before);
  });

  it("erasure seen at request time: a resolver that has not scanned the burn yet still shreds and answers 410", async () => {
    const record = records[1];
    const slow = await stack.startAnotherResolver({ burnPollMs: 3_600_000 });
    const wrap = await stack.resolver.database.getWrap(record.tokenId, record.version);
    await depositRecordKey({ url: slow.url, signer: stack.signers.writer, domain: stack.domain, tokenId: record.tokenId, version: record.version, wrappedKey: wrap! });
    await (await stack.recordToken.burn(record.tokenId)).wait();
    expect(await slow.database.getWrap(record.tokenId, record.version)).to.not.equal(undefined);
    const { body } = await signedAccessBody(stack, stack.signers.reader, record.tokenId);
    await expectRejects(postAccess(stack, body, slow.url), ResolverError, "RECORD_ERASED");
    expect(await slow.database.getWrap(record.tokenId, record.version)).to.equal(undefined);
    expect(await slow.database.isErased(record.tokenId)).to.equal(true);
  });

  it("restart: wraps and used nonces survive, and burns mined while it was down are shredded on start", async () => {
    const [kept, burnedWhileDown] = [records[2], records[3]];
    const { body } = await signedAccessBody(stack, stack.signers.reader, kept.tokenId);
    await postAccess(stack, body);
    await stack.resolver.close();
    await (await stack.recordToken.burn(burnedWhileDown.tokenId)).wait();
    await stack.restartResolver();
    expect(await stack.resolver.database.isErased(burnedWhileDown.tokenId)).to.equal(true);
    expect(await stack.resolver.database.getWrap(burnedWhileDown.tokenId, burnedWhileDown.version)).to.equal(undefined);
    await expectRejects(postAccess(stack, body), ResolverError, "NONCE_REPLAYED");
    const again = await read(kept.tokenId);
    expect(again.tokenId).to.equal(kept.tokenId);
  });

  it("graceful shutdown: a release in flight completes with its disclosure, then the port is closed", async () => {
    const record = records[2];
    const before = await disclosures();
    const { body } = await signedAccessBody(stack, stack.signers.reader, record.tokenId);
    const logged = stack.logs.length;
    const inFlight = postAccess(stack, body);
    await eventually(async () => stack.logs.slice(logged).some((line) => line.includes("incoming request") && line.includes("/v1/access")), 5_000);
    const closing = stack.resolver.close();
    const released = await inFlight;
    await closing;
    expect(released.tokenId).to.equal(record.tokenId.toString());
    expect(await disclosures()).to.equal(before + 1);
    await expectRejects(read(record.tokenId), ResolverError, "RESOLVER_UNREACHABLE");
    await stack.restartResolver();
  });

  it("rate limits: per requester and per client address, answered 429 with retry-after; /healthz has its own bucket", async () => {
    const limited = await stack.startAnotherResolver({ limits: { perRequesterPerMinute: 2 } });
    const record = records[2];
    for (let i = 0; i < 2; i++) {
      const { body } = await signedAccessBody(stack, stack.signers.reader, record.tokenId);
      await expectRejects(postAccess(stack, body, limited.url), ResolverError, "KEY_NOT_DEPOSITED"); // counted, no wrap here
    }
    const { body } = await signedAccessBody(stack, stack.signers.reader, record.tokenId);
    const error = (await expectRejects(postAccess(stack, body, limited.url), ResolverError, "RATE_LIMITED")) as ResolverError;
    expect(error.status).to.equal(429);
    const otherRequester = await signedAccessBody(stack, stack.signers.stranger, record.tokenId);
    await expectRejects(postAccess(stack, otherRequester.body, limited.url), ResolverError, "ACCESS_DENIED");

    const perIp = await stack.startAnotherResolver({ limits: { perIpPerMinute: 3 } });
    for (let i = 0; i < 3; i++) expect((await rawRequest(`${perIp.url}/v1/info`, { method: "GET" })).status).to.equal(200);
    const blocked = await rawRequest(`${perIp.url}/v1/info`, { method: "GET" });
    expect(blocked.status).to.equal(429);
    expect(Number(blocked.headers.get("retry-after"))).to.be.greaterThan(0);
    expect((blocked.body as { error: { code: string } }).error.code).to.equal("RATE_LIMITED");
    expect((await rawRequest(`${perIp.url}/healthz`, { method: "GET" })).status).to.equal(200);
    // Trusted proxy hops, and the rest of the limits that need no chain: test/resolver/rate-limits.inject.test.ts.
  });

  it("/healthz reports the chain, the role and the state; /v1/info the key writers wrap to", async () => {
    const health = await rawRequest(`${stack.resolver.url}/healthz`, { method: "GET" });
    expect(health.status).to.equal(200);
    const body = health.body as Record<string, unknown>;
    expect(body.status).to.equal("ok");
    expect(body.hasResolverRole).to.equal(true);
    expect(body.chainId).to.equal(stack.chain.chainId.toString());
    expect(body.erased).to.equal(3);
    const info = (await rawRequest(`${stack.resolver.url}/v1/info`, { method: "GET" })).body as Record<string, string>;
    expect(info.address).to.equal(stack.identity.address);
    expect(info.encryptionPublicKey).to.equal("0x" + Buffer.from(stack.identity.encryptionPublicKey).toString("hex"));

    const roleless = await stack.startAnotherResolver({
      identity: { ...stack.identity, address: stack.signers.stranger.address, signerPrivateKey: stack.signers.stranger.privateKey },
    });
    expect((await rawRequest(`${roleless.url}/healthz`, { method: "GET" })).status).to.equal(503);
  });

  it("a resolver that cannot pay for the disclosure transaction releases nothing (502 DISCLOSURE_FAILED)", async () => {
    const record = records[2];
    const broke = Wallet.createRandom();
    const admin = stack.consentManager.connect(stack.signers.deployer);
    await (await admin.grantRole(await admin.RESOLVER_ROLE(), broke.address)).wait();
    const poor = await stack.startAnotherResolver({ identity: { ...stack.identity, address: broke.address, signerPrivateKey: broke.privateKey } });
    const wrap = await stack.resolver.database.getWrap(record.tokenId, record.version);
    await depositRecordKey({ url: poor.url, signer: stack.signers.writer, domain: stack.domain, tokenId: record.tokenId, version: record.version, wrappedKey: wrap! });
    const before = await disclosures();
    const { body } = await signedAccessBody(stack, stack.signers.reader, record.tokenId, { resolver: broke.address });
    const error = (await expectRejects(postAccess(stack, body, poor.url), ResolverError, "DISCLOSURE_FAILED")) as ResolverError;
    expect(error.status).to.equal(502);
    expect(await disclosures()).to.equal(before);
  });

  it("when the chain's node is gone: requests get 503 CHAIN_UNAVAILABLE and /healthz 503 (runs last: it stops the chain)", async () => {
    const { body } = await signedAccessBody(stack, stack.signers.reader, records[2].tokenId);
    await stack.chain.stop();
    const error = (await expectRejects(postAccess(stack, body), ResolverError, "CHAIN_UNAVAILABLE")) as ResolverError;
    expect(error.status).to.equal(503);
    // /healthz serves one answer per HEALTH_CACHE_MS: the next one after that sees the chain gone.
    await new Promise((resolve) => setTimeout(resolve, HEALTH_CACHE_MS + 50));
    expect((await rawRequest(`${stack.resolver.url}/healthz`, { method: "GET" })).status).to.equal(503);
  });
});
