import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroHash, concat, dataSlice, hexlify, id, randomBytes } from "ethers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import fc from "fast-check";
import { deployCore, randomKey, randomPointer, randomSalt, RECORD_KIND, type Core } from "../helpers/fixture";
import { ALL_RECORDS, ALL_SCOPES, Scope, Purpose, recordTokenId } from "../../sdk/vocabulary";

const REASON = id("break-glass reason document");

async function grantTo(core: Core, overrides = {}) {
  const consent = await core.consentFor(overrides);
  await core.consents.grant(consent, await core.sign(consent));
  return consent;
}

async function openEmergency(core: Core, duration = 3600n) {
  await core.consents
    .connect(core.signers.breakGlass)
    .emergencyAccess(core.tokenId, core.signers.provider.address, REASON, duration);
}

/** A request of a batch, with a fresh request hash (the digest of the access request it answers). */
const request = (core: Core, purpose: string, grantee = core.signers.provider.address, tokenId = core.tokenId) => ({
  tokenId,
  grantee,
  purpose,
  requestHash: hexlify(randomBytes(32)),
});

/** Logs one disclosure as a batch of one. */
const disclose = (core: Core, purpose: string, grantee = core.signers.provider.address, tokenId = core.tokenId) =>
  core.consents.connect(core.signers.resolver).recordDisclosures([request(core, purpose, grantee, tokenId)]);

const ERASED = 1n;
const DENIED = 2n;

/** The disclosure is refused (`DisclosureRefused` with `reason`, no `Disclosure`), and the batch does not revert. */
async function expectRefused(core: Core, purpose: string, grantee = core.signers.provider.address, tokenId = core.tokenId, reason = DENIED) {
  const tx = disclose(core, purpose, grantee, tokenId);
  await expect(tx).to.emit(core.consents, "DisclosureRefused").withArgs(anyValue, tokenId, grantee, reason);
  await expect(tx).not.to.emit(core.consents, "Disclosure");
}

describe("ConsentManager.recordDisclosures", () => {
  it("the resolver logs a disclosure under a live consent: Disclosure(tokenId, patient, grantee, purpose, resolver, false)", async () => {
    const core = await loadFixture(deployCore);
    const { patient, provider, resolver } = core.signers;
    await grantTo(core);
    await expect(disclose(core, Purpose.TREATMENT))
      .to.emit(core.consents, "Disclosure")
      .withArgs(core.tokenId, patient.address, provider.address, Purpose.TREATMENT, resolver.address, false, anyValue);
  });

  it("logs a disclosure under a patient-wide (ALL_RECORDS) consent for a non-provider grantee", async () => {
    const core = await loadFixture(deployCore);
    const { patient, insurer, resolver } = core.signers;
    await grantTo(core, { tokenId: ALL_RECORDS, grantee: insurer.address, purpose: Purpose.PAYMENT });
    await expect(disclose(core, Purpose.PAYMENT, insurer.address))
      .to.emit(core.consents, "Disclosure")
      .withArgs(core.tokenId, patient.address, insurer.address, Purpose.PAYMENT, resolver.address, false, anyValue);
  });

  it("logs emergency=true for a disclosure under break-glass with Purpose.EMERGENCY", async () => {
    const core = await loadFixture(deployCore);
    const { patient, provider, resolver } = core.signers;
    await openEmergency(core);
    await expect(disclose(core, Purpose.EMERGENCY))
      .to.emit(core.consents, "Disclosure")
      .withArgs(core.tokenId, patient.address, provider.address, Purpose.EMERGENCY, resolver.address, true, anyValue);
  });

  it("an emergency grant allows no other purpose than EMERGENCY", async () => {
    const core = await loadFixture(deployCore);
    const { provider } = core.signers;
    await openEmergency(core);
    await expectRefused(core, Purpose.TREATMENT);
  });

  it("with both a consent and an emergency grant, the flag follows the grant that allows the purpose", async () => {
    const core = await loadFixture(deployCore);
    const { patient, provider, resolver } = core.signers;
    await grantTo(core);
    await openEmergency(core);
    await expect(disclose(core, Purpose.TREATMENT))
      .to.emit(core.consents, "Disclosure")
      .withArgs(core.tokenId, patient.address, provider.address, Purpose.TREATMENT, resolver.address, false, anyValue);
    await expect(disclose(core, Purpose.EMERGENCY))
      .to.emit(core.consents, "Disclosure")
      .withArgs(core.tokenId, patient.address, provider.address, Purpose.EMERGENCY, resolver.address, true, anyValue);
  });

  it("reverts with AccessControlUnauthorizedAccount for a caller without RESOLVER_ROLE", async () => {
    const core = await loadFixture(deployCore);
    const { provider, patient, deployer, breakGlass } = core.signers;
    await grantTo(core);
    const role = await core.consents.RESOLVER_ROLE();
    for (const caller of [provider, patient, deployer, breakGlass]) {
      await expect(core.consents.connect(caller).recordDisclosures([request(core, Purpose.TREATMENT)]))
        .to.be.revertedWithCustomError(core.consents, "AccessControlUnauthorizedAccount")
        .withArgs(caller.address, role);
    }
  });

  it("refuses when the grantee holds no grant at all", async () => {
    const core = await loadFixture(deployCore);
    const { lab } = core.signers;
    await grantTo(core);
    await expectRefused(core, Purpose.TREATMENT, lab.address);
  });

  it("refuses for a purpose other than the consented one", async () => {
    const core = await loadFixture(deployCore);
    const { provider } = core.signers;
    await grantTo(core, { purpose: Purpose.TREATMENT });
    for (const purpose of [Purpose.RESEARCH, Purpose.PAYMENT, Purpose.EMERGENCY, ZeroHash]) {
      await expectRefused(core, purpose);
    }
  });

  it("refuses for a purpose that only shares the consented purpose's first 22 bytes", async () => {
    // A purpose code is at most 22 bytes (the grant path rejects anything longer with InvalidPurpose), so a
    // bytes32 with the consented code in front and extra non-zero bytes behind is a different, invalid purpose.
    const core = await loadFixture(deployCore);
    const { provider } = core.signers;
    await grantTo(core, { purpose: Purpose.TREATMENT });
    const smuggled = concat([dataSlice(Purpose.TREATMENT, 0, 22), "0x" + "00".repeat(9) + "01"]);
    expect(smuggled).to.not.equal(Purpose.TREATMENT);
    expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, smuggled)).to.equal(false);
    await expectRefused(core, smuggled);
  });

  it("refuses when the consent does not include READ", async () => {
    const core = await loadFixture(deployCore);
    const { provider } = core.signers;
    await grantTo(core, { scopes: Scope.APPEND | Scope.ANNOTATE });
    await expectRefused(core, Purpose.TREATMENT);
  });

  it("refuses after the patient revoked the consent", async () => {
    const core = await loadFixture(deployCore);
    const { patient, provider } = core.signers;
    await grantTo(core);
    await disclose(core, Purpose.TREATMENT);
    await core.consents.connect(patient).revoke(core.tokenId, provider.address);
    await expectRefused(core, Purpose.TREATMENT);
  });

  it("refuses from the consent's expiry second on (and works the second before)", async () => {
    const core = await loadFixture(deployCore);
    const { provider } = core.signers;
    const consent = await grantTo(core);
    await time.setNextBlockTimestamp(consent.expiresAt - 1n);
    await expect(disclose(core, Purpose.TREATMENT)).to.emit(core.consents, "Disclosure");
    await time.setNextBlockTimestamp(consent.expiresAt);
    await expectRefused(core, Purpose.TREATMENT);
  });

  it("refuses after the emergency access expired or was ended", async () => {
    const core = await loadFixture(deployCore);
    const { provider, patient } = core.signers;
    await openEmergency(core, 60n);
    await time.increase(61);
    await expectRefused(core, Purpose.EMERGENCY);
    await openEmergency(core, 60n);
    await core.consents.connect(patient).endEmergencyAccess(core.tokenId, provider.address);
    await expectRefused(core, Purpose.EMERGENCY);
  });

  it("refuses (erased) a record that was burned, a token that never existed and ALL_RECORDS", async () => {
    const core = await loadFixture(deployCore);
    const { patient, provider } = core.signers;
    await grantTo(core);
    await core.records.connect(patient).burn(core.tokenId);
    await expectRefused(core, Purpose.TREATMENT, provider.address, core.tokenId, ERASED);
    await expectRefused(core, Purpose.TREATMENT, provider.address, 5n, ERASED);
    await expectRefused(core, Purpose.TREATMENT, provider.address, ALL_RECORDS, ERASED);
  });

  it("refuses while the grantee is suspended", async () => {
    const core = await loadFixture(deployCore);
    const { provider } = core.signers;
    await grantTo(core);
    await core.providers.suspend(provider.address, randomKey());
    await expectRefused(core, Purpose.TREATMENT);
    await core.providers.reinstate(provider.address);
    await expect(disclose(core, Purpose.TREATMENT)).to.emit(core.consents, "Disclosure");
  });

  describe("a batch", () => {
    it("logs each entry by its request hash, and a refusal inside the batch refuses only that entry", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider, lab, resolver } = core.signers;
      await grantTo(core);
      const requests = [
        request(core, Purpose.TREATMENT),
        request(core, Purpose.TREATMENT, lab.address), // no grant
        request(core, Purpose.TREATMENT),
        request(core, Purpose.TREATMENT, provider.address, 77n), // never minted
      ];
      const receipt = await (await core.consents.connect(resolver).recordDisclosures(requests)).wait();
      const events = receipt!.logs.map((log) => core.consents.interface.parseLog(log)!);
      expect(events.map((e) => e.name)).to.deep.equal(["Disclosure", "DisclosureRefused", "Disclosure", "DisclosureRefused"]);
      expect(events[0].args.toArray()).to.deep.equal([core.tokenId, patient.address, provider.address, Purpose.TREATMENT, resolver.address, false, requests[0].requestHash]);
      expect(events[1].args.toArray()).to.deep.equal([requests[1].requestHash, core.tokenId, lab.address, DENIED]);
      expect(events[2].args.requestHash).to.equal(requests[2].requestHash);
      expect(events[3].args.toArray()).to.deep.equal([requests[3].requestHash, 77n, provider.address, ERASED]);
    });

    it("refuses the entries of a consent revoked before the batch is mined, and releases the rest", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider, insurer, resolver } = core.signers;
      await grantTo(core);
      await grantTo(core, { grantee: insurer.address, purpose: Purpose.PAYMENT });
      const requests = [request(core, Purpose.TREATMENT), request(core, Purpose.PAYMENT, insurer.address)];
      const before = await core.consents.checkDisclosures(requests);
      expect(before.map((c) => c.status)).to.deep.equal([0n, 0n]);
      await core.consents.connect(patient).revoke(core.tokenId, provider.address);
      const tx = core.consents.connect(resolver).recordDisclosures(requests);
      await expect(tx).to.emit(core.consents, "DisclosureRefused").withArgs(requests[0].requestHash, core.tokenId, provider.address, DENIED);
      await expect(tx)
        .to.emit(core.consents, "Disclosure")
        .withArgs(core.tokenId, patient.address, insurer.address, Purpose.PAYMENT, resolver.address, false, requests[1].requestHash);
    });

    it("checkDisclosures answers what the batch would decide, with the record's version", async () => {
      const core = await loadFixture(deployCore);
      const { patient, lab } = core.signers;
      await grantTo(core);
      const checks = await core.consents.checkDisclosures([
        request(core, Purpose.TREATMENT),
        request(core, Purpose.TREATMENT, lab.address),
        request(core, Purpose.RESEARCH),
        request(core, Purpose.TREATMENT, lab.address, 5n),
      ]);
      expect(checks.map((c) => [c.status, c.version])).to.deep.equal([[0n, 1n], [DENIED, 1n], [DENIED, 1n], [ERASED, 0n]]);
      await core.records.connect(patient).burn(core.tokenId);
      expect((await core.consents.checkDisclosures([request(core, Purpose.TREATMENT)]))[0].status).to.equal(ERASED);
    });

    it("reads each grantee and patient afresh: a cached verdict never carries over to another grantee or record", async () => {
      const core = await loadFixture(deployCore);
      const { patient, patient2, provider, lab, resolver } = core.signers;
      await grantTo(core, { tokenId: ALL_RECORDS });
      const salt = hexlify(randomBytes(32));
      const pointer = randomPointer();
      await core.records.connect(patient2).mint(patient2.address, salt, pointer.cid, pointer.contentHash, RECORD_KIND);
      const other = await core.records.tokenIdFor(patient2.address, patient2.address, salt);
      const requests = [
        request(core, Purpose.TREATMENT),
        request(core, Purpose.TREATMENT, provider.address, other), // patient2 granted nothing
        request(core, Purpose.TREATMENT, lab.address), // same record, a grantee without a grant
        request(core, Purpose.TREATMENT),
      ];
      const receipt = await (await core.consents.connect(resolver).recordDisclosures(requests)).wait();
      const names = receipt!.logs.map((log) => core.consents.interface.parseLog(log)!.name);
      expect(names).to.deep.equal(["Disclosure", "DisclosureRefused", "DisclosureRefused", "Disclosure"]);
      expect(patient.address).to.not.equal(patient2.address);
    });

    it("fast-check: the batch's verdicts equal the one-by-one verdicts, whatever the mix and order", async () => {
      const core = await loadFixture(deployCore);
      const { provider, lab, insurer, resolver, patient2 } = core.signers;
      await grantTo(core);
      await grantTo(core, { tokenId: ALL_RECORDS, grantee: insurer.address, purpose: Purpose.PAYMENT });
      const salt = hexlify(randomBytes(32));
      const pointer = randomPointer();
      await core.records.connect(patient2).mint(patient2.address, salt, pointer.cid, pointer.contentHash, RECORD_KIND);
      const other = await core.records.tokenIdFor(patient2.address, patient2.address, salt);
      const grantees = [provider.address, lab.address, insurer.address];
      const tokens = [core.tokenId, other, 9n];
      const purposes = [Purpose.TREATMENT, Purpose.PAYMENT];
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.nat(2), fc.nat(2), fc.nat(1)), { minLength: 1, maxLength: 8 }), async (picks) => {
          const requests = picks.map(([g, t, p]) => request(core, purposes[p], grantees[g], tokens[t]));
          const single = await Promise.all(requests.map(async (r) => (await core.consents.checkDisclosures([r]))[0].status));
          const receipt = await (await core.consents.connect(resolver).recordDisclosures(requests)).wait();
          const verdicts = receipt!.logs.map((log) => {
            const event = core.consents.interface.parseLog(log)!;
            return event.name === "Disclosure" ? 0n : (event.args.reason as bigint);
          });
          expect(verdicts).to.deep.equal(single);
        }),
        { numRuns: 15 },
      );
    });
  });

  describe("the record token's batch read", () => {
    /** A consent manager wired to a record token whose `patientsOf` answers wrongly, with the fixture's registries. */
    async function withMalformedRecordToken(core: Core) {
      const { deployer, resolver } = core.signers;
      const token = await (await ethers.getContractFactory("MalformedRecordToken", deployer)).deploy();
      const manager = await (
        await ethers.getContractFactory("ConsentManager", deployer)
      ).deploy(deployer.address, await core.patients.getAddress(), await core.providers.getAddress());
      await manager.setRecordToken(await token.getAddress());
      await manager.grantRole(await manager.RESOLVER_ROLE(), resolver.address);
      return { token, manager: manager.connect(resolver) };
    }

    it("reverts with InvalidRecordTokenAnswer unless it answers one clean address per request, and bubbles its revert", async () => {
      const core = await loadFixture(deployCore);
      const { token, manager } = await withMalformedRecordToken(core);
      const requests = [request(core, Purpose.TREATMENT), request(core, Purpose.TREATMENT)];
      for (const mode of [0, 1, 2]) {
        await token.setMode(mode);
        await expect(manager.recordDisclosures(requests)).to.be.revertedWithCustomError(manager, "InvalidRecordTokenAnswer");
      }
      await token.setMode(3);
      await expect(manager.recordDisclosures(requests)).to.be.revertedWithCustomError(token, "Broken");
    });

    it("an empty batch logs nothing and discloses nothing", async () => {
      const core = await loadFixture(deployCore);
      const receipt = await (await core.consents.connect(core.signers.resolver).recordDisclosures([])).wait();
      expect(receipt!.logs).to.have.length(0);
      expect(await core.consents.connect(core.signers.resolver).recordDisclosures.staticCall([])).to.equal(0n);
      expect(await core.consents.checkDisclosures([])).to.deep.equal([]);
    });
  });

  describe("gas (issue 12)", () => {
    it("a 100-release batch costs at most 12,000 gas per disclosure under per-record consents, 10,000 under a patient-wide one", async () => {
      const core = await loadFixture(deployCore);
      const { patient, lab, resolver } = core.signers;
      const salts = Array.from({ length: 100 }, () => randomSalt());
      const entries = salts.map((salt) => ({ salt, recordKind: RECORD_KIND, ...randomPointer() }));
      await core.records.connect(patient).mintBatch(patient.address, entries);
      const ids = salts.map((salt) => recordTokenId(patient.address, patient.address, salt));
      await grantTo(core, { tokenId: ALL_RECORDS, grantee: lab.address });
      for (const tokenId of ids) await grantTo(core, { tokenId });
      const perDisclosure = async (requests: ReturnType<typeof request>[]) => {
        const receipt = await (await core.consents.connect(resolver).recordDisclosures(requests)).wait();
        expect(receipt!.logs.map((log) => core.consents.interface.parseLog(log)!.name)).to.deep.equal(requests.map(() => "Disclosure"));
        return Number(receipt!.gasUsed) / requests.length;
      };
      const perRecord = await perDisclosure(ids.map((tokenId) => request(core, Purpose.TREATMENT, core.signers.provider.address, tokenId)));
      const patientWide = await perDisclosure(ids.map((tokenId) => request(core, Purpose.TREATMENT, lab.address, tokenId)));
      expect(perRecord).to.be.at.most(12_000);
      expect(patientWide).to.be.at.most(10_000);
    });
  });

  describe("hasAccessFor", () => {
    it("is true only for the consented purpose and covered scopes", async () => {
      const core = await loadFixture(deployCore);
      const { provider } = core.signers;
      await grantTo(core, { scopes: Scope.READ | Scope.ANNOTATE, purpose: Purpose.OPERATIONS });
      const has = (scope: number, purpose: string) => core.consents.hasAccessFor(provider.address, core.tokenId, scope, purpose);
      expect(await has(Scope.READ, Purpose.OPERATIONS)).to.equal(true);
      expect(await has(Scope.READ | Scope.ANNOTATE, Purpose.OPERATIONS)).to.equal(true);
      expect(await has(Scope.APPEND, Purpose.OPERATIONS)).to.equal(false);
      expect(await has(ALL_SCOPES, Purpose.OPERATIONS)).to.equal(false);
      expect(await has(0, Purpose.OPERATIONS)).to.equal(false);
      expect(await has(Scope.READ, Purpose.TREATMENT)).to.equal(false);
      expect(await has(Scope.READ, ZeroHash)).to.equal(false);
      // hasAccess ignores the purpose.
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
    });

    it("counts a patient-wide grant for its own purpose and a per-record grant for its own", async () => {
      const core = await loadFixture(deployCore);
      const { provider } = core.signers;
      await grantTo(core, { purpose: Purpose.TREATMENT });
      await grantTo(core, { tokenId: ALL_RECORDS, purpose: Purpose.RESEARCH });
      const has = (purpose: string) => core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, purpose);
      expect(await has(Purpose.TREATMENT)).to.equal(true);
      expect(await has(Purpose.RESEARCH)).to.equal(true);
      expect(await has(Purpose.PAYMENT)).to.equal(false);
    });

    it("counts an emergency grant for the emergency purpose only, and READ only", async () => {
      const core = await loadFixture(deployCore);
      const { provider } = core.signers;
      await openEmergency(core);
      expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, Purpose.EMERGENCY)).to.equal(true);
      expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, Purpose.TREATMENT)).to.equal(false);
      expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.APPEND, Purpose.EMERGENCY)).to.equal(false);
    });

    it("is false for unknown, burned and ALL_RECORDS token ids and for unregistered grantees, without reverting", async () => {
      const core = await loadFixture(deployCore);
      const { provider, patient, outsider } = core.signers;
      await grantTo(core, { tokenId: ALL_RECORDS });
      expect(await core.consents.hasAccessFor(provider.address, 99n, Scope.READ, Purpose.TREATMENT)).to.equal(false);
      expect(await core.consents.hasAccessFor(provider.address, ALL_RECORDS, Scope.READ, Purpose.TREATMENT)).to.equal(false);
      expect(await core.consents.hasAccessFor(outsider.address, core.tokenId, Scope.READ, Purpose.TREATMENT)).to.equal(false);
      expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, Purpose.TREATMENT)).to.equal(true);
      await core.records.connect(patient).burn(core.tokenId);
      expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, Purpose.TREATMENT)).to.equal(false);
    });
  });
});
