import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroHash, concat, dataSlice, id } from "ethers";
import { deployCore, randomKey, type Core } from "../helpers/fixture";
import { ALL_RECORDS, ALL_SCOPES, Scope, Purpose } from "../../sdk/vocabulary";

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

const disclose = (core: Core, purpose: string, grantee = core.signers.provider.address, tokenId = core.tokenId) =>
  core.consents.connect(core.signers.resolver).recordDisclosure(tokenId, grantee, purpose);

describe("ConsentManager.recordDisclosure", () => {
  it("the resolver logs a disclosure under a live consent: Disclosure(tokenId, patient, grantee, purpose, resolver, false)", async () => {
    const core = await loadFixture(deployCore);
    const { patient, provider, resolver } = core.signers;
    await grantTo(core);
    await expect(disclose(core, Purpose.TREATMENT))
      .to.emit(core.consents, "Disclosure")
      .withArgs(core.tokenId, patient.address, provider.address, Purpose.TREATMENT, resolver.address, false);
  });

  it("logs a disclosure under a patient-wide (ALL_RECORDS) consent for a non-provider grantee", async () => {
    const core = await loadFixture(deployCore);
    const { patient, insurer, resolver } = core.signers;
    await grantTo(core, { tokenId: ALL_RECORDS, grantee: insurer.address, purpose: Purpose.PAYMENT });
    await expect(disclose(core, Purpose.PAYMENT, insurer.address))
      .to.emit(core.consents, "Disclosure")
      .withArgs(core.tokenId, patient.address, insurer.address, Purpose.PAYMENT, resolver.address, false);
  });

  it("logs emergency=true for a disclosure under break-glass with Purpose.EMERGENCY", async () => {
    const core = await loadFixture(deployCore);
    const { patient, provider, resolver } = core.signers;
    await openEmergency(core);
    await expect(disclose(core, Purpose.EMERGENCY))
      .to.emit(core.consents, "Disclosure")
      .withArgs(core.tokenId, patient.address, provider.address, Purpose.EMERGENCY, resolver.address, true);
  });

  it("an emergency grant allows no other purpose than EMERGENCY", async () => {
    const core = await loadFixture(deployCore);
    const { provider } = core.signers;
    await openEmergency(core);
    await expect(disclose(core, Purpose.TREATMENT))
      .to.be.revertedWithCustomError(core.consents, "NoAccess")
      .withArgs(provider.address, core.tokenId, Purpose.TREATMENT);
  });

  it("with both a consent and an emergency grant, the flag follows the grant that allows the purpose", async () => {
    const core = await loadFixture(deployCore);
    const { patient, provider, resolver } = core.signers;
    await grantTo(core);
    await openEmergency(core);
    await expect(disclose(core, Purpose.TREATMENT))
      .to.emit(core.consents, "Disclosure")
      .withArgs(core.tokenId, patient.address, provider.address, Purpose.TREATMENT, resolver.address, false);
    await expect(disclose(core, Purpose.EMERGENCY))
      .to.emit(core.consents, "Disclosure")
      .withArgs(core.tokenId, patient.address, provider.address, Purpose.EMERGENCY, resolver.address, true);
  });

  it("reverts with AccessControlUnauthorizedAccount for a caller without RESOLVER_ROLE", async () => {
    const core = await loadFixture(deployCore);
    const { provider, patient, deployer, breakGlass } = core.signers;
    await grantTo(core);
    const role = await core.consents.RESOLVER_ROLE();
    for (const caller of [provider, patient, deployer, breakGlass]) {
      await expect(core.consents.connect(caller).recordDisclosure(core.tokenId, provider.address, Purpose.TREATMENT))
        .to.be.revertedWithCustomError(core.consents, "AccessControlUnauthorizedAccount")
        .withArgs(caller.address, role);
    }
  });

  it("reverts with NoAccess when the grantee holds no grant at all", async () => {
    const core = await loadFixture(deployCore);
    const { lab } = core.signers;
    await grantTo(core);
    await expect(disclose(core, Purpose.TREATMENT, lab.address))
      .to.be.revertedWithCustomError(core.consents, "NoAccess")
      .withArgs(lab.address, core.tokenId, Purpose.TREATMENT);
  });

  it("reverts with NoAccess for a purpose other than the consented one", async () => {
    const core = await loadFixture(deployCore);
    const { provider } = core.signers;
    await grantTo(core, { purpose: Purpose.TREATMENT });
    for (const purpose of [Purpose.RESEARCH, Purpose.PAYMENT, Purpose.EMERGENCY, ZeroHash]) {
      await expect(disclose(core, purpose))
        .to.be.revertedWithCustomError(core.consents, "NoAccess")
        .withArgs(provider.address, core.tokenId, purpose);
    }
  });

  it("reverts with NoAccess for a purpose that only shares the consented purpose's first 22 bytes", async () => {
    // A purpose code is at most 22 bytes (the grant path rejects anything longer with InvalidPurpose), so a
    // bytes32 with the consented code in front and extra non-zero bytes behind is a different, invalid purpose.
    const core = await loadFixture(deployCore);
    const { provider } = core.signers;
    await grantTo(core, { purpose: Purpose.TREATMENT });
    const smuggled = concat([dataSlice(Purpose.TREATMENT, 0, 22), "0x" + "00".repeat(9) + "01"]);
    expect(smuggled).to.not.equal(Purpose.TREATMENT);
    expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, smuggled)).to.equal(false);
    await expect(disclose(core, smuggled))
      .to.be.revertedWithCustomError(core.consents, "NoAccess")
      .withArgs(provider.address, core.tokenId, smuggled);
  });

  it("reverts with NoAccess when the consent does not include READ", async () => {
    const core = await loadFixture(deployCore);
    const { provider } = core.signers;
    await grantTo(core, { scopes: Scope.APPEND | Scope.ANNOTATE });
    await expect(disclose(core, Purpose.TREATMENT))
      .to.be.revertedWithCustomError(core.consents, "NoAccess")
      .withArgs(provider.address, core.tokenId, Purpose.TREATMENT);
  });

  it("reverts with NoAccess after the patient revoked the consent", async () => {
    const core = await loadFixture(deployCore);
    const { patient, provider } = core.signers;
    await grantTo(core);
    await disclose(core, Purpose.TREATMENT);
    await core.consents.connect(patient).revoke(core.tokenId, provider.address);
    await expect(disclose(core, Purpose.TREATMENT))
      .to.be.revertedWithCustomError(core.consents, "NoAccess")
      .withArgs(provider.address, core.tokenId, Purpose.TREATMENT);
  });

  it("reverts with NoAccess from the consent's expiry second on (and works the second before)", async () => {
    const core = await loadFixture(deployCore);
    const { provider } = core.signers;
    const consent = await grantTo(core);
    await time.setNextBlockTimestamp(consent.expiresAt - 1n);
    await expect(disclose(core, Purpose.TREATMENT)).to.emit(core.consents, "Disclosure");
    await time.setNextBlockTimestamp(consent.expiresAt);
    await expect(disclose(core, Purpose.TREATMENT))
      .to.be.revertedWithCustomError(core.consents, "NoAccess")
      .withArgs(provider.address, core.tokenId, Purpose.TREATMENT);
  });

  it("reverts with NoAccess after the emergency access expired or was ended", async () => {
    const core = await loadFixture(deployCore);
    const { provider, patient } = core.signers;
    await openEmergency(core, 60n);
    await time.increase(61);
    await expect(disclose(core, Purpose.EMERGENCY))
      .to.be.revertedWithCustomError(core.consents, "NoAccess")
      .withArgs(provider.address, core.tokenId, Purpose.EMERGENCY);
    await openEmergency(core, 60n);
    await core.consents.connect(patient).endEmergencyAccess(core.tokenId, provider.address);
    await expect(disclose(core, Purpose.EMERGENCY)).to.be.revertedWithCustomError(core.consents, "NoAccess");
  });

  it("reverts with UnknownToken after the record was burned, and for tokens that never existed", async () => {
    const core = await loadFixture(deployCore);
    const { patient } = core.signers;
    await grantTo(core);
    await core.records.connect(patient).burn(core.tokenId);
    await expect(disclose(core, Purpose.TREATMENT))
      .to.be.revertedWithCustomError(core.consents, "UnknownToken")
      .withArgs(core.tokenId);
    await expect(disclose(core, Purpose.TREATMENT, core.signers.provider.address, 5n))
      .to.be.revertedWithCustomError(core.consents, "UnknownToken")
      .withArgs(5n);
    await expect(disclose(core, Purpose.TREATMENT, core.signers.provider.address, ALL_RECORDS))
      .to.be.revertedWithCustomError(core.consents, "UnknownToken")
      .withArgs(ALL_RECORDS);
  });

  it("reverts with NoAccess while the grantee is suspended", async () => {
    const core = await loadFixture(deployCore);
    const { provider } = core.signers;
    await grantTo(core);
    await core.providers.suspend(provider.address, randomKey());
    await expect(disclose(core, Purpose.TREATMENT))
      .to.be.revertedWithCustomError(core.consents, "NoAccess")
      .withArgs(provider.address, core.tokenId, Purpose.TREATMENT);
    await core.providers.reinstate(provider.address);
    await expect(disclose(core, Purpose.TREATMENT)).to.emit(core.consents, "Disclosure");
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
