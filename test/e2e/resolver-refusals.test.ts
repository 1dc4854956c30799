import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { encodeBytes32String, hexlify, keccak256 } from "ethers";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { expectRejects } from "../helpers/rejects";
import { postAccess, signedAccessBody } from "../helpers/access-requests";
import type { IngestedRecord } from "../../sdk/records";
import { depositRecordKey, ResolverError } from "../../sdk/resolver";
import { generateEncryptionKeyPair, unwrapKey, wrapKey } from "../../sdk/crypto";
import { Purpose } from "../../sdk/vocabulary";

const BUNDLE = JSON.parse(readFileSync(path.resolve(__dirname, "..", "fixtures", "synthetic-patient-bundle.json"), "utf8"));

/**
 * The refusals that need a chain (grants, records, disclosures, wraps). Those that need none (bodies, schemas, sizes,
 * media types, routes, signatures, deadlines, domains, rate limits) run with `inject` in `test/resolver/`.
 */
describe("e2e: the resolver refuses, and then releases and discloses nothing", function () {
  this.timeout(180_000);
  let stack: ResolverStack;
  let granted: IngestedRecord;
  let other: IngestedRecord;

  const disclosures = () => stack.disclosureCount();

  /** Asserts that `attempt` is refused with `code` and that no Disclosure was mined meanwhile. */
  async function refused(attempt: () => Promise<unknown>, code: string, status: number): Promise<ResolverError> {
    const before = await disclosures();
    const error = (await expectRejects(attempt(), ResolverError, code)) as ResolverError;
    expect(error.status).to.equal(status);
    expect(await disclosures()).to.equal(before);
    return error;
  }

  before(async () => {
    stack = await startResolverStack();
    [granted, other] = await stack.ingest(BUNDLE);
    await stack.grantRead(stack.signers.reader.address, granted.tokenId);
    await stack.grantRead(stack.signers.suspended.address, granted.tokenId);
  });
  after(async () => stack?.stop());

  it("a replayed request is refused the second time (409) and only the first is disclosed", async () => {
    const { body } = await signedAccessBody(stack, stack.signers.reader, granted.tokenId);
    const before = await disclosures();
    const first = await postAccess(stack, body);
    expect(first.wrappedKey).to.match(/^0x[0-9a-f]{186}$/);
    expect(await disclosures()).to.equal(before + 1);
    await refused(() => postAccess(stack, body), "NONCE_REPLAYED", 409);
  });

  it("a valid request for a token the reader holds no grant on is refused (403)", async () => {
    const { body } = await signedAccessBody(stack, stack.signers.reader, other.tokenId);
    await refused(() => postAccess(stack, body), "ACCESS_DENIED", 403);
  });

  it("a request for another purpose than the grant's is refused (403)", async () => {
    const { body } = await signedAccessBody(stack, stack.signers.reader, granted.tokenId, { purpose: Purpose.RESEARCH });
    await refused(() => postAccess(stack, body), "ACCESS_DENIED", 403);
  });

  it("a provider suspended by the registrar is refused although the patient's grant stands (403); reinstated, it reads", async () => {
    const suspended = stack.signers.suspended;
    await (await stack.providerRegistry.suspend(suspended.address, keccak256(encodeBytes32String("licence under review")))).wait();
    const { body } = await signedAccessBody(stack, suspended, granted.tokenId);
    await refused(() => postAccess(stack, body), "ACCESS_DENIED", 403);
    await (await stack.providerRegistry.reinstate(suspended.address)).wait();
    const again = await signedAccessBody(stack, suspended, granted.tokenId);
    expect((await postAccess(stack, again.body)).tokenId).to.equal(granted.tokenId.toString());
  });

  it("an unregistered account and a token that was never minted are refused", async () => {
    const outsider = await signedAccessBody(stack, stack.signers.outsider, granted.tokenId);
    await refused(() => postAccess(stack, outsider.body), "ACCESS_DENIED", 403);
    const missing = await signedAccessBody(stack, stack.signers.reader, 10_000n);
    await refused(() => postAccess(stack, missing.body), "UNKNOWN_RECORD", 404);
  });

  it("a low-order ephemeral key is refused before anything is disclosed", async () => {
    const zeroKey = hexlify(new Uint8Array(32));
    const { body } = await signedAccessBody(stack, stack.signers.reader, granted.tokenId, { ephemeralPublicKey: zeroKey });
    await refused(() => postAccess(stack, body), "INVALID_REQUEST", 400);
  });

  it("key deposits: only the record's patient or issuer, only the current version, only a wrap that opens", async () => {
    const { writer, stranger, patient } = stack.signers;
    const wrap = await stack.resolver.database.getWrap(other.tokenId, other.version);
    const base = { url: stack.resolver.url, domain: stack.domain, tokenId: other.tokenId, version: other.version, wrappedKey: wrap! };
    await expectRejects(depositRecordKey({ ...base, signer: stranger }), ResolverError, "NOT_RECORD_WRITER");
    await expectRejects(depositRecordKey({ ...base, signer: writer, version: other.version + 1n }), ResolverError, "VERSION_MISMATCH");
    const binding = { chainId: stack.chain.chainId, recordToken: stack.config.recordToken, tokenId: other.tokenId, version: other.version };
    const dek = await unwrapKey(wrap!, stack.identity.encryptionPrivateKey, binding);
    const toSomeoneElse = await wrapKey(dek, generateEncryptionKeyPair().publicKey, binding);
    dek.fill(0);
    await expectRejects(depositRecordKey({ ...base, signer: writer, wrappedKey: toSomeoneElse }), ResolverError, "KEY_DOES_NOT_OPEN");
    // The stored wrap is untouched by the refused deposits; the patient may deposit again.
    expect(Buffer.from((await stack.resolver.database.getWrap(other.tokenId, other.version))!).equals(Buffer.from(wrap!))).to.equal(true);
    await depositRecordKey({ ...base, signer: patient });
    expect(keccak256((await stack.resolver.database.getWrap(other.tokenId, other.version))!)).to.equal(keccak256(wrap!));
  });

  it("logs carry requesters, tokens and outcomes, never key material or health data", async () => {
    const { body, ephemeralPrivateKey } = await signedAccessBody(stack, stack.signers.reader, granted.tokenId);
    const released = await postAccess(stack, body);
    const text = stack.logs.join("\n").toLowerCase();
    expect(text).to.include('"msg":"key release"');
    expect(text).to.include(stack.signers.reader.address.toLowerCase());
    const secrets = [
      released.wrappedKey.slice(2),
      hexlify(ephemeralPrivateKey).slice(2),
      hexlify(stack.identity.encryptionPrivateKey).slice(2),
      stack.identity.signerPrivateKey.slice(2),
      body.signature.slice(2),
    ].map((s) => s.toLowerCase());
    for (const secret of secrets) expect(text).to.not.include(secret);
    for (const phi of ["resourcetype", "patient/", "\"family\"", "birthdate"]) expect(text).to.not.include(phi);
  });
});
