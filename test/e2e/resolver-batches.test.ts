import { expect } from "chai";
import path from "node:path";
import { readFileSync } from "node:fs";
import { Wallet, parseEther, type Signer } from "ethers";
import { startResolverStack, type ResolverStack } from "../helpers/resolver-stack";
import { postAccess, signedAccessBody } from "../helpers/access-requests";
import { expectRejects } from "../helpers/rejects";
import type { IngestedRecord } from "../../sdk/records";
import { accessRequestDigest, accessRequestFromBody, depositRecordKey, ResolverError } from "../../sdk/resolver";
import { bytesToHex, generateDataKey, generateEncryptionKeyPair, wrapKey } from "../../sdk/crypto";
import { ParticipantKind } from "../../sdk/chain/participant-kind";
import { resolverIdentity } from "../../resolver/identity";
import type { ResolverLimits } from "../../resolver/config";
import type { RunningResolver } from "../../resolver/server";

const BUNDLE = JSON.parse(readFileSync(path.resolve(__dirname, "..", "fixtures", "synthetic-patient-bundle.json"), "utf8"));

/**
 * Key releases in `recordDisclosures` batches on a real chain: one transaction for concurrent releases with one
 * `Disclosure` per release (matched by request hash), a revocation mined between the check and the batch refusing
 * only its own request, and a batch that cannot be recorded releasing nothing.
 */
describe("e2e: key releases in disclosure batches", function () {
  this.timeout(300_000);
  let stack: ResolverStack;
  let record: IngestedRecord;
  const wait = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();

  before(async () => {
    stack = await startResolverStack();
    [record] = await stack.ingest(BUNDLE);
    await stack.grantRead(stack.signers.reader.address, record.tokenId);
    await stack.grantRead(stack.signers.stranger.address, record.tokenId);
  });
  after(async () => stack?.stop());

  /**
   * Another resolver with keys of its own (resolvers must not share a disclosure account: each numbers its own
   * transactions), gas money, a wrap of the record for its key and `RESOLVER_ROLE` unless `withRole` is false.
   */
  async function independentResolver(name: string, limits: Partial<ResolverLimits>, withRole = true): Promise<{ url: string; address: string; resolver: RunningResolver }> {
    const identity = resolverIdentity(Wallet.createRandom().privateKey, bytesToHex(generateEncryptionKeyPair().privateKey));
    await wait(stack.signers.deployer.sendTransaction({ to: identity.address, value: parseEther("10") }));
    if (withRole) {
      const admin = stack.consentManager.connect(stack.signers.deployer);
      await wait(admin.grantRole(await admin.RESOLVER_ROLE(), identity.address));
    }
    await wait(stack.providerRegistry.register(identity.address, ParticipantKind.Resolver, bytesToHex(identity.encryptionPublicKey), bytesToHex(new Uint8Array(32).fill(4))));
    const resolver = await stack.startAnotherResolver({ identity, databaseFile: path.join(stack.dir, `${name}.sqlite`), limits });
    const wrap = await wrapKey(generateDataKey(), identity.encryptionPublicKey, { chainId: stack.chain.chainId, recordToken: stack.config.recordToken, tokenId: record.tokenId, version: record.version });
    await depositRecordKey({ url: resolver.url, signer: stack.signers.patient, domain: stack.domain, tokenId: record.tokenId, version: record.version, wrappedKey: wrap });
    return { url: resolver.url, address: identity.address, resolver };
  }

  const transactionsOf = async (hashes: Iterable<string>) => Promise.all([...new Set(hashes)].map((hash) => stack.provider.getTransactionReceipt(hash)));

  it("N concurrent releases: one recordDisclosures transaction per window, N Disclosure events, each naming its request", async () => {
    const windowed = await independentResolver("window", { disclosureWindowMs: 1_000 });
    const before = await stack.disclosureCount(record.tokenId);
    const signed = await Promise.all(
      Array.from({ length: 24 }, (_, i) => signedAccessBody(stack, i % 2 ? stack.signers.reader : stack.signers.stranger, record.tokenId, { resolver: windowed.address })),
    );
    const released = await Promise.all(signed.map(({ body }) => postAccess(stack, body, windowed.url)));
    const hashes = released.map((r) => r.disclosure.transactionHash);
    expect(new Set(hashes).size, "transactions").to.equal(1);
    expect(await stack.disclosureCount(record.tokenId)).to.equal(before + 24);
    const events = await stack.consentManager.queryFilter(stack.consentManager.filters.Disclosure(record.tokenId), Math.min(...released.map((r) => r.disclosure.blockNumber)));
    const byHash = new Map(events.map((event) => [event.args.requestHash, event]));
    released.forEach((release, i) => {
      const digest = accessRequestDigest(stack.domain, accessRequestFromBody(signed[i].body));
      expect(release.disclosure.requestHash).to.equal(digest);
      const event = byHash.get(digest)!;
      expect(event, "its own Disclosure").to.not.equal(undefined);
      expect(event.transactionHash).to.equal(release.disclosure.transactionHash);
      expect(event.index).to.equal(release.disclosure.logIndex);
      expect(event.args.grantee).to.equal(signed[i].body.requester);
    });
    for (const receipt of await transactionsOf(hashes)) expect(receipt!.to).to.equal(stack.config.consentManager);
  });

  it("attack: a revocation mined between the check and the batch refuses that request only; the others of the same batch are released", async () => {
    const slow = await independentResolver("slow-window", { disclosureWindowMs: 2_000, disclosurePipelineWindowMs: 2_000 });
    const before = await stack.disclosureCount(record.tokenId);
    const keep = await signedAccessBody(stack, stack.signers.reader, record.tokenId, { resolver: slow.address });
    const lose = await signedAccessBody(stack, stack.signers.stranger, record.tokenId, { resolver: slow.address });
    const kept = postAccess(stack, keep.body, slow.url);
    const lost = expectRejects(postAccess(stack, lose.body, slow.url), ResolverError, "ACCESS_DENIED");
    // Both are checked (allowed) and collecting in the window; the patient revokes the stranger meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await wait(stack.consentManager.connect(stack.signers.patient).revoke(record.tokenId, stack.signers.stranger.address));
    const [release, refusal] = await Promise.all([kept, lost]);
    expect((refusal as ResolverError).status).to.equal(403);
    const receipt = (await stack.provider.getTransactionReceipt(release.disclosure.transactionHash))!;
    const parsed = receipt.logs.map((log) => stack.consentManager.interface.parseLog(log)).filter((log) => log !== null);
    expect(parsed.map((log) => log!.name).sort(), "one batch: one Disclosure, one DisclosureRefused").to.deep.equal(["Disclosure", "DisclosureRefused"]);
    expect(parsed.find((log) => log!.name === "DisclosureRefused")!.args.requestHash).to.equal(accessRequestDigest(stack.domain, accessRequestFromBody(lose.body)));
    expect(await stack.disclosureCount(record.tokenId)).to.equal(before + 1);
  });

  it("on the default window, concurrent releases still share transactions: fewer transactions than releases", async () => {
    const signed = await Promise.all(Array.from({ length: 24 }, () => signedAccessBody(stack, stack.signers.reader, record.tokenId)));
    const released = await Promise.all(signed.map(({ body }) => postAccess(stack, body)));
    expect(new Set(released.map((r) => r.disclosure.transactionHash)).size).to.be.lessThan(24);
  });

  it("attack: a replayed request gets no second release and no second Disclosure", async () => {
    const { body } = await signedAccessBody(stack, stack.signers.reader, record.tokenId);
    await postAccess(stack, body);
    const before = await stack.disclosureCount(record.tokenId);
    await expectRejects(postAccess(stack, body), ResolverError, "NONCE_REPLAYED");
    expect(await stack.disclosureCount(record.tokenId)).to.equal(before);
  });

  it("a batch that cannot be recorded (the resolver lost RESOLVER_ROLE: the transaction reverts) releases nothing to any of its requests", async () => {
    const roleless = await independentResolver("roleless", { disclosureWindowMs: 200 }, false);
    const before = await stack.disclosureCount(record.tokenId);
    const ask = async (signer: Signer) => {
      const { body } = await signedAccessBody(stack, signer, record.tokenId, { resolver: roleless.address });
      return postAccess(stack, body, roleless.url);
    };
    const refusals = await Promise.all([ask(stack.signers.reader), ask(stack.signers.reader), ask(stack.signers.reader)].map((p) => expectRejects(p, ResolverError, "DISCLOSURE_FAILED")));
    for (const refusal of refusals) expect((refusal as ResolverError).status).to.equal(502);
    expect(await stack.disclosureCount(record.tokenId)).to.equal(before);
    expect(stack.logs.some((line) => line.includes('"disclosure batch"') && /"outcome":"(reverted|not-sent)"/.test(line))).to.equal(true);
  });
});
