import { expect } from "chai";
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { Wallet, encodeBytes32String, getAddress, hexlify, keccak256, parseEther, randomBytes, type Signer } from "ethers";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { expectRejects } from "../helpers/rejects";
import { postAccess, rawRequest, signedAccessBody } from "../helpers/access-requests";
import { randomPointer, randomSalt, RECORD_KIND } from "../helpers/fixture";
import { prepareRecords, type IngestedRecord } from "../../sdk/records";
import { consent } from "../../sdk";
import {
  depositRecordKey,
  ResolverError,
  signKeyDeposit,
  wallClockSeconds,
  type KeyDeposit,
  type KeyDepositBody,
} from "../../sdk/resolver";
import { bytesToHex, generateDataKey, generateEncryptionKeyPair, wrapKey } from "../../sdk/crypto";
import { ALL_RECORDS, Scope, Purpose } from "../../sdk/vocabulary";
import { ParticipantKind } from "../../sdk/chain/participant-kind";
import { recordTokenDomain, signRecordUpdate } from "../../sdk/chain/record-attestation";
import { resolverIdentity } from "../../resolver/identity";
import { connectResolverChain } from "../../resolver/chain";
import { openResolverDatabase, type ResolverDatabase } from "../../resolver/database";
import { buildResolverApp } from "../../resolver/server";
import { createResolverContext } from "../../resolver/context";
import type { ResolverLimits } from "../../resolver/config";
import { GasBurningSigner__factory, PatientRegistry__factory, RecordToken__factory } from "../../sdk/chain/contracts";

const BUNDLE = JSON.parse(readFileSync(path.resolve(__dirname, "..", "fixtures", "synthetic-patient-bundle.json"), "utf8"));

/** Resolves when `socket` closes; rejects after `withinMs` (the server never closed it). */
function closed(socket: net.Socket, withinMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    const timer = setTimeout(() => reject(new Error(`the server kept the socket open for ${withinMs} ms`)), withinMs);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on("error", () => undefined);
  });
}

/** Opens a TCP connection to the resolver at `url`. */
function connect(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => resolve(socket));
    socket.once("error", reject);
  });
}

/**
 * The attacks of the security review against the resolver, each refused with nothing released and nothing
 * disclosed that should not be: wraps bound to their record (1), deposits that outlive authority or replay (5),
 * requests that stall (6), one request honoured by two resolvers (8), and the hardening of point 11.
 */
describe("e2e: resolver attacks of the security review", function () {
  this.timeout(300_000);
  let stack: ResolverStack;
  let records: IngestedRecord[];

  const disclosures = () => stack.disclosureCount();
  const read = (signer: Signer, tokenId: bigint, url = stack.resolver.url) =>
    stack.read(signer, tokenId, { url });
  const bindingOf = (tokenId: bigint, version: bigint) => ({ chainId: stack.chain.chainId, recordToken: stack.config.recordToken, tokenId, version });
  const wait = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();

  /** Asserts that `attempt` is refused with `code`/`status` and that no Disclosure was mined meanwhile. */
  async function refused(attempt: () => Promise<unknown>, code: string, status: number): Promise<void> {
    const before = await disclosures();
    const error = (await expectRejects(attempt(), ResolverError, code)) as ResolverError;
    expect(error.status, code).to.equal(status);
    expect(await disclosures()).to.equal(before);
  }

  /**
   * A second resolver of the deployment with keys of its own, `RESOLVER_ROLE` and gas money (resolvers that release
   * keys must not share a disclosure account: each numbers its own transactions).
   */
  async function independentResolver(name: string, limits: Partial<ResolverLimits> = {}) {
    const identity = resolverIdentity(Wallet.createRandom().privateKey, bytesToHex(generateEncryptionKeyPair().privateKey));
    const { deployer } = stack.signers;
    await wait(deployer.sendTransaction({ to: identity.address, value: parseEther("10") }));
    const admin = stack.consentManager.connect(deployer);
    await wait(admin.grantRole(await admin.RESOLVER_ROLE(), identity.address));
    await wait(stack.providerRegistry.register(identity.address, ParticipantKind.Resolver, bytesToHex(identity.encryptionPublicKey), bytesToHex(new Uint8Array(32).fill(3))));
    const resolver = await stack.startAnotherResolver({ identity, databaseFile: path.join(stack.dir, `${name}.sqlite`), limits });
    return { identity, resolver };
  }

  before(async () => {
    stack = await startResolverStack();
    records = [...(await stack.ingest(BUNDLE)), ...(await stack.ingest(BUNDLE))];
    expect(records.length).to.be.greaterThan(6);
    await stack.grantRead(stack.signers.reader.address, records[0].tokenId);
  });
  after(async () => stack?.stop());

  describe("1. a key wrap is bound to its record version", () => {
    it("attack: A's resolver wrap deposited as the key of the attacker's junk record B is refused; B's consent releases nothing", async () => {
      const attacker = stack.signers.stranger;
      const victim = records[1];
      // The attacker (an active provider) registers as a patient, mints a junk record B and grants itself READ on it.
      await wait(PatientRegistry__factory.connect(stack.deployment.contracts.PatientRegistry.address, attacker).register(generateEncryptionKeyPair().publicKeyHex));
      const junk = randomPointer();
      const recordToken = RecordToken__factory.connect(stack.config.recordToken, attacker);
      const salt = randomSalt();
      await wait(recordToken.mint(attacker.address, salt, junk.cid, junk.contentHash, RECORD_KIND));
      const tokenB = await recordToken.tokenIdFor(attacker.address, attacker.address, salt);
      await consent.grant(await stack.clientOf(attacker), {
        grantee: attacker.address, tokenId: tokenB, scopes: Scope.READ, purpose: Purpose.TREATMENT, expiresAt: wallClockSeconds() + 3600n,
      });
      expect(await stack.consentManager.hasAccessFor(attacker.address, tokenB, Scope.READ, Purpose.TREATMENT)).to.equal(true);
      // Wraps are not secret: this one sits in the resolver's database (and in deposit bodies, in writers' stores).
      const wrapOfA = (await stack.resolver.database.getWrap(victim.tokenId, victim.version))!;
      await refused(() => depositRecordKey({ url: stack.resolver.url, signer: attacker, domain: stack.domain, tokenId: tokenB, version: 1n, wrappedKey: wrapOfA }), "KEY_DOES_NOT_OPEN", 422);
      expect(await stack.resolver.database.getWrap(tokenB, 1n)).to.equal(undefined);
      await refused(() => read(attacker, tokenB), "KEY_NOT_DEPOSITED", 404);
      await refused(() => read(attacker, victim.tokenId), "ACCESS_DENIED", 403);
      expect(await stack.disclosureCount(tokenB)).to.equal(0);
      expect(await stack.disclosureCount(victim.tokenId)).to.equal(0);
    });

    it("attack: a wrap moved from version 1 to version 2 of one record is refused", async () => {
      const record = records[2];
      const { patient } = stack.signers;
      const v1Wrap = (await stack.resolver.database.getWrap(record.tokenId, 1n))!;
      const next = randomPointer();
      const recordToken = RecordToken__factory.connect(stack.config.recordToken, patient);
      const attestation = await signRecordUpdate(patient, recordTokenDomain(stack.chain.chainId, stack.config.recordToken), { tokenId: record.tokenId, ...next, version: 2n });
      await wait(recordToken.update(record.tokenId, next.cid, next.contentHash, attestation));
      await refused(() => depositRecordKey({ url: stack.resolver.url, signer: patient, domain: stack.domain, tokenId: record.tokenId, version: 2n, wrappedKey: v1Wrap }), "KEY_DOES_NOT_OPEN", 422);
      expect(await stack.resolver.database.getWrap(record.tokenId, 2n)).to.equal(undefined);
      // A key wrapped for version 2 is accepted.
      const forV2 = await wrapKey(generateDataKey(), stack.identity.encryptionPublicKey, bindingOf(record.tokenId, 2n));
      await depositRecordKey({ url: stack.resolver.url, signer: patient, domain: stack.domain, tokenId: record.tokenId, version: 2n, wrappedKey: forV2 });
      expect(hexlify((await stack.resolver.database.getWrap(record.tokenId, 2n))!)).to.equal(hexlify(forV2));
    });
  });

  describe("5. key deposits need live authority and are written once", () => {
    /** A deposit body signed by `signer` for `wrappedKey`, as it travels (so that it can be captured and replayed). */
    async function depositBody(signer: Signer, tokenId: bigint, version: bigint, wrappedKey: Uint8Array): Promise<KeyDepositBody> {
      const deposit: KeyDeposit = { depositor: getAddress(await signer.getAddress()), tokenId, version, wrappedKeyHash: keccak256(wrappedKey), deadline: wallClockSeconds() + 120n };
      const signature = await signKeyDeposit(signer, stack.domain, deposit);
      return { depositor: deposit.depositor, version: version.toString(), wrappedKey: hexlify(wrappedKey), deadline: deposit.deadline.toString(), signature };
    }
    const put = (tokenId: bigint, body: unknown, url = stack.resolver.url) =>
      rawRequest(`${url}/v1/records/${tokenId}/key`, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

    it("attack: a captured deposit replayed, or another wrap for a version that has one, cannot change the key readers get", async () => {
      const record = records[0];
      const stored = (await stack.resolver.database.getWrap(record.tokenId, record.version))!;
      const captured = await depositBody(stack.signers.writer, record.tokenId, record.version, stored);
      for (let i = 0; i < 2; i++) expect((await put(record.tokenId, captured)).status).to.equal(200); // a retry: unchanged
      // The patient's (or anyone's) second, different wrap that opens for this version is refused: written once.
      const other = await wrapKey(generateDataKey(), stack.identity.encryptionPublicKey, bindingOf(record.tokenId, record.version));
      const second = await put(record.tokenId, await depositBody(stack.signers.patient, record.tokenId, record.version, other));
      expect(second.status).to.equal(409);
      expect((second.body as { error: { code: string } }).error.code).to.equal("KEY_ALREADY_DEPOSITED");
      expect(hexlify((await stack.resolver.database.getWrap(record.tokenId, record.version))!)).to.equal(hexlify(stored));
      const back = await read(stack.signers.reader, record.tokenId);
      expect(back.version).to.equal(record.version);
    });

    it("attack: an issuer whose APPEND was revoked, or who is suspended, cannot deposit for the version it issued; the patient can", async () => {
      const record = records[3];
      const { writer, patient } = stack.signers;
      const wrap = (await stack.resolver.database.getWrap(record.tokenId, record.version))!;
      // A second resolver holding the same key has no wrap yet: only the authority check can refuse.
      const fresh = await stack.startAnotherResolver({ databaseFile: path.join(stack.dir, "fresh.sqlite") });
      const deposit = (signer: Signer) => depositRecordKey({ url: fresh.url, signer, domain: stack.domain, tokenId: record.tokenId, version: record.version, wrappedKey: wrap });

      await wait(stack.consentManager.connect(patient).revoke(ALL_RECORDS, writer.address));
      await expectRejects(deposit(writer), ResolverError, "NOT_RECORD_WRITER");
      expect(await fresh.database.getWrap(record.tokenId, record.version)).to.equal(undefined);

      // APPEND back, but the registrar suspends the writer: still refused.
      await consent.grant(await stack.clientOf(patient), {
        grantee: writer.address, tokenId: ALL_RECORDS, scopes: Scope.APPEND, purpose: Purpose.TREATMENT, expiresAt: wallClockSeconds() + 86_400n * 365n,
      });
      await wait(stack.providerRegistry.suspend(writer.address, keccak256(encodeBytes32String("licence under review"))));
      await expectRejects(deposit(writer), ResolverError, "NOT_RECORD_WRITER");
      expect(await fresh.database.getWrap(record.tokenId, record.version)).to.equal(undefined);
      await wait(stack.providerRegistry.reinstate(writer.address));

      // Active with live APPEND again: accepted; and the patient may always deposit.
      await deposit(writer);
      expect(hexlify((await fresh.database.getWrap(record.tokenId, record.version))!)).to.equal(hexlify(wrap));
      await deposit(patient);
    });
  });

  describe("6. slow or expensive requests cannot stall the resolver", () => {
    it("attack: a 'requester' contract whose ERC-1271 check burns gas is capped (401), and counted before the check (429)", async () => {
      const { deployer } = stack.signers;
      const burner = await new GasBurningSigner__factory(deployer).deploy(3_000_000n);
      const looper = await new GasBurningSigner__factory(deployer).deploy((1n << 256n) - 1n);
      await burner.waitForDeployment();
      await looper.waitForDeployment();
      const limited = await stack.startAnotherResolver({ databaseFile: path.join(stack.dir, "limited.sqlite"), limits: { perRequesterPerMinute: 3, signatureCheckGas: 1_000_000 } });
      const junkSignature = hexlify(randomBytes(65));
      const claim = async (requester: string) => {
        const { body } = await signedAccessBody(stack, stack.signers.stranger, records[0].tokenId, { requester });
        return postAccess(stack, { ...body, signature: junkSignature }, limited.url);
      };
      const before = await disclosures();
      // Uncapped, the 3 M-gas check would vouch (and the request would go on to the consent check): capped, it fails.
      await expectRejects(claim(await burner.getAddress()), ResolverError, "INVALID_SIGNATURE");
      const looperAddress = await looper.getAddress();
      for (let i = 0; i < 3; i++) await expectRejects(claim(looperAddress), ResolverError, "INVALID_SIGNATURE");
      // The claimed requester's limit is spent before any further ERC-1271 call is made.
      const limitedError = (await expectRejects(claim(looperAddress), ResolverError, "RATE_LIMITED")) as ResolverError;
      expect(limitedError.status).to.equal(429);
      expect(await disclosures()).to.equal(before);
    });

    it("junk in an EOA's name does not spend that EOA's limit: its own request still goes through", async () => {
      const { identity, resolver: limited } = await independentResolver("eoa-limit", { perRequesterPerMinute: 2 });
      const reader = stack.signers.reader;
      const record = records[0];
      const wrap = await wrapKey(generateDataKey(), identity.encryptionPublicKey, bindingOf(record.tokenId, record.version));
      await depositRecordKey({ url: limited.url, signer: stack.signers.patient, domain: stack.domain, tokenId: record.tokenId, version: record.version, wrappedKey: wrap });
      for (let i = 0; i < 5; i++) {
        const { body } = await signedAccessBody(stack, stack.signers.stranger, records[0].tokenId, { requester: reader.address, resolver: identity.address });
        await expectRejects(postAccess(stack, body, limited.url), ResolverError, "INVALID_SIGNATURE");
      }
      // The reader's own request is released (the key is a stand-in here, so only the release is checked).
      const { body } = await signedAccessBody(stack, reader, record.tokenId, { resolver: identity.address });
      const released = await postAccess(stack, body, limited.url);
      expect(BigInt(released.tokenId)).to.equal(record.tokenId);
    });

    it("a signature check that does not finish in time is cut off: 503, nothing claimed, nothing disclosed", async () => {
      const { deployer } = stack.signers;
      const slowAccount = await (await new GasBurningSigner__factory(deployer).deploy(10_000n)).getAddress();
      // A JSON-RPC hop in front of the node that holds the ERC-1271 call of that one account for 3 s.
      const proxy = http.createServer((request, response) => {
        let raw = "";
        request.on("data", (chunk) => (raw += chunk));
        request.on("end", async () => {
          const slow = raw.includes('"eth_call"') && raw.toLowerCase().includes(slowAccount.slice(2).toLowerCase());
          if (slow) await new Promise((resolve) => setTimeout(resolve, 3_000));
          const upstream = await fetch(stack.chain.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: raw });
          response.writeHead(upstream.status, { "content-type": "application/json" }).end(await upstream.text());
        });
      });
      await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
      try {
        const rpcUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
        const slow = await stack.startAnotherResolver({ rpcUrl, databaseFile: path.join(stack.dir, "slow.sqlite"), limits: { signatureCheckTimeoutMs: 500 } });
        const { body } = await signedAccessBody(stack, stack.signers.stranger, records[0].tokenId, { requester: slowAccount });
        const before = await disclosures();
        const error = (await expectRejects(postAccess(stack, { ...body, signature: hexlify(randomBytes(65)) }, slow.url), ResolverError, "CHAIN_UNAVAILABLE")) as ResolverError;
        expect(error.status).to.equal(503);
        expect(await slow.database.claimNonce(slowAccount, BigInt(body.nonce), BigInt(body.deadline))).to.equal(true);
        expect(await disclosures()).to.equal(before);
        await slow.close();
      } finally {
        await new Promise((resolve) => proxy.close(resolve));
      }
    });

    describe("the HTTP server: timeouts and a connection cap", () => {
      let url: string;
      before(async () => {
        const guarded = await stack.startAnotherResolver({
          databaseFile: path.join(stack.dir, "guarded.sqlite"),
          limits: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, keepAliveTimeoutMs: 1_000, maxConnections: 4 },
        });
        url = guarded.url;
      });

      /** Sends `opening`, then one more byte `drip` every 200 ms: the server must answer 408 and close the socket. */
      async function expectCutOff(opening: string, drip: string): Promise<void> {
        const socket = await connect(url);
        const done = closed(socket, 8_000);
        socket.write(opening);
        const dripping = setInterval(() => socket.writable && socket.write(drip), 200);
        try {
          expect(await done).to.match(/^HTTP\/1\.1 408/);
        } finally {
          clearInterval(dripping);
        }
      }

      it("attack: a client dripping its headers one byte at a time is cut off (408) after the headers timeout", async () => {
        await expectCutOff("POST /v1/access HTTP/1.1\r\nHost: resolver\r\n", "X");
      });

      it("attack: a client dripping its body is cut off (408) after the request timeout", async () => {
        await expectCutOff("POST /v1/access HTTP/1.1\r\nHost: resolver\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{", " ");
      });

      it("a connection that sends nothing is closed too", async () => {
        const socket = await connect(url);
        await closed(socket, 8_000);
      });

      it("attack: beyond the connection cap new connections are closed at once; below it, requests are served", async () => {
        const held = await Promise.all(Array.from({ length: 4 }, () => connect(url)));
        const extra = await connect(url);
        expect(await closed(extra, 3_000)).to.equal("");
        for (const socket of held) socket.destroy();
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect((await rawRequest(`${url}/v1/info`, { method: "GET" })).status).to.equal(200);
      });
    });

    it("/healthz answers from a one-second cache and has its own per-address limit", async () => {
      const health = await stack.startAnotherResolver({ databaseFile: path.join(stack.dir, "health.sqlite"), limits: { healthPerIpPerMinute: 20 } });
      const first = await rawRequest(`${health.url}/healthz`, { method: "GET" });
      await stack.provider.send("evm_mine", []);
      const burst = await Promise.all(Array.from({ length: 10 }, () => rawRequest(`${health.url}/healthz`, { method: "GET" })));
      const blockNumbers = new Set(burst.map((r) => (r.body as { blockNumber: number }).blockNumber));
      // One answer served to all of them (the block mined in between is not seen yet).
      expect([...blockNumbers]).to.deep.equal([(first.body as { blockNumber: number }).blockNumber]);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const later = await rawRequest(`${health.url}/healthz`, { method: "GET" });
      expect((later.body as { blockNumber: number }).blockNumber).to.be.greaterThan((first.body as { blockNumber: number }).blockNumber);
      const statuses = [];
      for (let i = 0; i < 12; i++) statuses.push((await rawRequest(`${health.url}/healthz`, { method: "GET" })).status);
      expect(statuses).to.include(429);
      // The other routes keep their own budget.
      expect((await rawRequest(`${health.url}/v1/info`, { method: "GET" })).status).to.equal(200);
    });
  });

  describe("8. a signed access request names its resolver", () => {
    it("another resolver of the deployment refuses it, so one read is one disclosure", async () => {
      const record = records[0];
      const { identity, resolver: second } = await independentResolver("second");
      // The writer deposits a key with the second resolver too (wrapped to that resolver's key).
      const secondWrap = await wrapKey(generateDataKey(), identity.encryptionPublicKey, bindingOf(record.tokenId, record.version));
      await depositRecordKey({ url: second.url, signer: stack.signers.writer, domain: stack.domain, tokenId: record.tokenId, version: record.version, wrappedKey: secondWrap });
      const before = await disclosures();
      const { body } = await signedAccessBody(stack, stack.signers.reader, record.tokenId);
      await postAccess(stack, body);
      const error = (await expectRejects(postAccess(stack, body, second.url), ResolverError, "WRONG_RESOLVER")) as ResolverError;
      expect(error.status).to.equal(400);
      expect(await disclosures()).to.equal(before + 1);
      // Signed for the second resolver, the second one honours it (and the first refuses it).
      const forSecond = await signedAccessBody(stack, stack.signers.reader, record.tokenId, { resolver: identity.address });
      await expectRejects(postAccess(stack, forSecond.body), ResolverError, "WRONG_RESOLVER");
      await postAccess(stack, forSecond.body, second.url);
      expect(await disclosures()).to.equal(before + 2);
    });
  });

  // The rest of 11 (integer widths, sizes, media types) needs no chain: test/resolver/routes.inject.test.ts.
  describe("11. hardening", () => {
    it("attack: a deposit racing the record's burn does not leave a wrap behind the shred (410)", async () => {
      const record = records[4];
      const { patient } = stack.signers;
      const wrap = (await stack.resolver.database.getWrap(record.tokenId, record.version))!;
      const chain = await connectResolverChain({
        rpcUrl: stack.chain.rpcUrl,
        consentManager: stack.config.consentManager,
        recordToken: stack.config.recordToken,
        signerPrivateKey: stack.identity.signerPrivateKey,
      });
      const real = await openResolverDatabase(path.join(stack.dir, "race.sqlite"));
      // The burn is mined, and the burn watcher shreds, after the deposit's checks passed and just before its insert.
      const racing: ResolverDatabase = {
        ...real,
        async insertWrap(tokenId, version, wrappedKey) {
          await wait(RecordToken__factory.connect(stack.config.recordToken, patient).burn(tokenId));
          await real.shred(tokenId, await stack.provider.getBlockNumber());
          return real.insertWrap(tokenId, version, wrappedKey);
        },
      };
      const context = createResolverContext(chain, racing, stack.config);
      const app = buildResolverApp(context, { logLevel: "silent", scannedBlock: () => 0 });
      try {
        const deposit: KeyDeposit = { depositor: patient.address, tokenId: record.tokenId, version: record.version, wrappedKeyHash: keccak256(wrap), deadline: wallClockSeconds() + 120n };
        const payload: KeyDepositBody = { depositor: patient.address, version: record.version.toString(), wrappedKey: hexlify(wrap), deadline: deposit.deadline.toString(), signature: await signKeyDeposit(patient, stack.domain, deposit) };
        const response = await app.inject({ method: "PUT", url: `/v1/records/${record.tokenId}/key`, payload });
        expect(response.statusCode).to.equal(410);
        expect(response.json().error.code).to.equal("RECORD_ERASED");
        expect(await real.getWrap(record.tokenId, record.version)).to.equal(undefined);
        expect(await real.isErased(record.tokenId)).to.equal(true);
      } finally {
        await app.close();
        chain.provider.destroy();
        await real.close();
      }
    });
  });

  describe("afterwards", () => {
    it("the attacks left the honest path intact: the granted reader still reads byte-identical", async () => {
      const back = await read(stack.signers.reader, records[0].tokenId);
      expect(Buffer.from(back.plaintext).equals(Buffer.from(prepareRecords(BUNDLE)[0].plaintext))).to.equal(true);
    });
  });
});
