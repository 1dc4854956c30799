import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { Signer } from "ethers";
import { deployCore, randomKey, type Core } from "../helpers/fixture";
import { signRevocation, type Revocation } from "../../sdk/consent/typed-data";
import { ALL_RECORDS, ALL_SCOPES, Scope, Purpose } from "../../sdk/vocabulary";

/** Grants the fixture's default consent (READ, TREATMENT, one day) to `grantee` and returns it. */
async function grantTo(core: Core, grantee = core.signers.provider.address, overrides = {}) {
  const consent = await core.consentFor({ grantee, ...overrides });
  await core.consents.grant(consent, await core.sign(consent));
  return consent;
}

let revocationNonce = 1_000_000n;
/** A revocation by the fixture patient of `grantee`'s grant on the fixture record, valid for an hour. */
async function revocationFor(core: Core, overrides: Partial<Revocation> = {}): Promise<Revocation> {
  return {
    patient: core.signers.patient.address,
    grantee: core.signers.provider.address,
    tokenId: core.tokenId,
    nonce: revocationNonce++,
    deadline: BigInt(await time.latest()) + 3600n,
    ...overrides,
  };
}

const signRev = (core: Core, revocation: Revocation, signer: Signer = core.signers.patient, domain = core.domain) =>
  signRevocation(signer, domain, revocation);

const readAccess = (core: Core, grantee = core.signers.provider.address, tokenId = core.tokenId) =>
  core.consents.hasAccess(grantee, tokenId, Scope.READ);

describe("ConsentManager.revoke", () => {
  describe("revoke by the patient", () => {
    it("removes the grant, emits AccessRevoked with the stored purpose, and access is false from that block", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      await grantTo(core, provider.address, { purpose: Purpose.PAYMENT, scopes: ALL_SCOPES });
      expect(await readAccess(core)).to.equal(true);

      const tx = core.consents.connect(patient).revoke(core.tokenId, provider.address);
      await expect(tx)
        .to.emit(core.consents, "AccessRevoked")
        .withArgs(patient.address, provider.address, core.tokenId, Purpose.PAYMENT);
      expect(await readAccess(core)).to.equal(false);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.APPEND)).to.equal(false);
      const stored = await core.consents.grantOf(patient.address, core.tokenId, provider.address);
      expect(stored.scopes).to.equal(0n);
      expect(stored.expiresAt).to.equal(0n);
    });

    it("revokes a patient-wide (ALL_RECORDS) consent", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      await grantTo(core, provider.address, { tokenId: ALL_RECORDS, scopes: Scope.READ | Scope.APPEND });
      expect(await core.consents.canAppend(provider.address, patient.address)).to.equal(true);
      await expect(core.consents.connect(patient).revoke(ALL_RECORDS, provider.address))
        .to.emit(core.consents, "AccessRevoked")
        .withArgs(patient.address, provider.address, ALL_RECORDS, Purpose.TREATMENT);
      expect(await readAccess(core)).to.equal(false);
      expect(await core.consents.canAppend(provider.address, patient.address)).to.equal(false);
    });

    it("revoking the per-record grant leaves a patient-wide grant (and other grantees) in force", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider, lab } = core.signers;
      await grantTo(core, provider.address);
      await grantTo(core, provider.address, { tokenId: ALL_RECORDS });
      await grantTo(core, lab.address);
      await core.consents.connect(patient).revoke(core.tokenId, provider.address);
      expect(await readAccess(core)).to.equal(true); // still through ALL_RECORDS
      expect(await readAccess(core, lab.address)).to.equal(true);
      await core.consents.connect(patient).revoke(ALL_RECORDS, provider.address);
      expect(await readAccess(core)).to.equal(false);
      expect(await readAccess(core, lab.address)).to.equal(true);
    });

    it("reverts with NotRecordPatient when someone other than the patient revokes", async () => {
      const core = await loadFixture(deployCore);
      const { provider, outsider, patient2, deployer } = core.signers;
      await grantTo(core);
      for (const caller of [outsider, provider, patient2, deployer]) {
        await expect(core.consents.connect(caller).revoke(core.tokenId, provider.address))
          .to.be.revertedWithCustomError(core.consents, "NotRecordPatient")
          .withArgs(core.tokenId, caller.address);
      }
      expect(await readAccess(core)).to.equal(true);
    });

    it("an outsider's ALL_RECORDS revoke touches only its own (empty) slot and reverts with NoGrant", async () => {
      const core = await loadFixture(deployCore);
      const { provider, outsider } = core.signers;
      await grantTo(core, provider.address, { tokenId: ALL_RECORDS });
      await expect(core.consents.connect(outsider).revoke(ALL_RECORDS, provider.address))
        .to.be.revertedWithCustomError(core.consents, "NoGrant")
        .withArgs(outsider.address, ALL_RECORDS, provider.address);
      expect(await readAccess(core)).to.equal(true);
    });

    it("reverts with NoGrant when nothing was granted, and on a second revoke", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      await expect(core.consents.connect(patient).revoke(core.tokenId, provider.address))
        .to.be.revertedWithCustomError(core.consents, "NoGrant")
        .withArgs(patient.address, core.tokenId, provider.address);
      await grantTo(core);
      await core.consents.connect(patient).revoke(core.tokenId, provider.address);
      await expect(core.consents.connect(patient).revoke(core.tokenId, provider.address))
        .to.be.revertedWithCustomError(core.consents, "NoGrant")
        .withArgs(patient.address, core.tokenId, provider.address);
    });

    it("can revoke a grant that has already expired (clearing the slot)", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      const consent = await grantTo(core);
      await time.increaseTo(consent.expiresAt + 1n);
      expect(await readAccess(core)).to.equal(false);
      await expect(core.consents.connect(patient).revoke(core.tokenId, provider.address)).to.emit(core.consents, "AccessRevoked");
      expect((await core.consents.grantOf(patient.address, core.tokenId, provider.address)).scopes).to.equal(0n);
    });
  });

  describe("revokeWithSignature", () => {
    it("is relayed by anyone, emits AccessRevoked and uses the nonce", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider, outsider } = core.signers;
      await grantTo(core);
      const revocation = await revocationFor(core);
      await expect(core.consents.connect(outsider).revokeWithSignature(revocation, await signRev(core, revocation)))
        .to.emit(core.consents, "AccessRevoked")
        .withArgs(patient.address, provider.address, core.tokenId, Purpose.TREATMENT);
      expect(await readAccess(core)).to.equal(false);
      expect(await core.consents.isNonceUsed(patient.address, revocation.nonce)).to.equal(true);
    });

    it("accepts a revocation relayed exactly at its deadline", async () => {
      const core = await loadFixture(deployCore);
      await grantTo(core);
      const revocation = await revocationFor(core);
      const signature = await signRev(core, revocation);
      await time.setNextBlockTimestamp(revocation.deadline);
      await expect(core.consents.revokeWithSignature(revocation, signature)).to.emit(core.consents, "AccessRevoked");
      expect(await readAccess(core)).to.equal(false);
    });

    it("reverts with SignatureExpired once the deadline has passed", async () => {
      const core = await loadFixture(deployCore);
      await grantTo(core);
      const revocation = await revocationFor(core);
      const signature = await signRev(core, revocation);
      await time.setNextBlockTimestamp(revocation.deadline + 1n);
      await expect(core.consents.revokeWithSignature(revocation, signature))
        .to.be.revertedWithCustomError(core.consents, "SignatureExpired")
        .withArgs(revocation.deadline);
      expect(await readAccess(core)).to.equal(true);
    });

    it("reverts with NonceAlreadyUsed when replayed, even against a later re-grant", async () => {
      const core = await loadFixture(deployCore);
      const { patient } = core.signers;
      await grantTo(core);
      const revocation = await revocationFor(core);
      const signature = await signRev(core, revocation);
      await core.consents.revokeWithSignature(revocation, signature);
      await grantTo(core);
      await expect(core.consents.revokeWithSignature(revocation, signature))
        .to.be.revertedWithCustomError(core.consents, "NonceAlreadyUsed")
        .withArgs(patient.address, revocation.nonce);
      expect(await readAccess(core)).to.equal(true);
    });

    it("shares the nonce space with consents: a nonce used by a consent or invalidated cannot revoke", async () => {
      const core = await loadFixture(deployCore);
      const { patient } = core.signers;
      const consent = await grantTo(core);
      const reusing = await revocationFor(core, { nonce: consent.nonce });
      await expect(core.consents.revokeWithSignature(reusing, await signRev(core, reusing)))
        .to.be.revertedWithCustomError(core.consents, "NonceAlreadyUsed")
        .withArgs(patient.address, consent.nonce);
      const invalidated = await revocationFor(core);
      await core.consents.connect(patient).invalidateNonce(invalidated.nonce);
      await expect(core.consents.revokeWithSignature(invalidated, await signRev(core, invalidated)))
        .to.be.revertedWithCustomError(core.consents, "NonceAlreadyUsed")
        .withArgs(patient.address, invalidated.nonce);
      expect(await readAccess(core)).to.equal(true);
    });

    it("reverts with InvalidSignature when signed by someone other than the patient", async () => {
      const core = await loadFixture(deployCore);
      const { provider, patient2, patient } = core.signers;
      await grantTo(core);
      const revocation = await revocationFor(core);
      for (const impostor of [provider, patient2]) {
        await expect(
          core.consents.revokeWithSignature(revocation, await signRev(core, revocation, impostor)),
        ).to.be.revertedWithCustomError(core.consents, "InvalidSignature");
      }
      expect(await readAccess(core)).to.equal(true);
      expect(await core.consents.isNonceUsed(patient.address, revocation.nonce)).to.equal(false);
    });

    it("reverts with InvalidSignature for a revocation signed for another chain or tampered with", async () => {
      const core = await loadFixture(deployCore);
      const { lab } = core.signers;
      await grantTo(core);
      await grantTo(core, lab.address);
      const revocation = await revocationFor(core);
      const otherChain = { ...core.domain, chainId: core.chainId + 1n };
      await expect(
        core.consents.revokeWithSignature(revocation, await signRev(core, revocation, core.signers.patient, otherChain)),
      ).to.be.revertedWithCustomError(core.consents, "InvalidSignature");
      const signature = await signRev(core, revocation);
      await expect(
        core.consents.revokeWithSignature({ ...revocation, grantee: lab.address }, signature),
      ).to.be.revertedWithCustomError(core.consents, "InvalidSignature");
      await expect(
        core.consents.revokeWithSignature({ ...revocation, deadline: revocation.deadline + 1n }, signature),
      ).to.be.revertedWithCustomError(core.consents, "InvalidSignature");
      expect(await readAccess(core)).to.equal(true);
      expect(await readAccess(core, lab.address)).to.equal(true);
    });

    it("reverts with NoGrant when the signed revocation finds nothing to revoke", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      const revocation = await revocationFor(core);
      await expect(core.consents.revokeWithSignature(revocation, await signRev(core, revocation)))
        .to.be.revertedWithCustomError(core.consents, "NoGrant")
        .withArgs(patient.address, core.tokenId, provider.address);
    });

    it("reverts with NotRecordPatient when the named patient does not hold the record", async () => {
      const core = await loadFixture(deployCore);
      const { patient2 } = core.signers;
      await grantTo(core);
      const revocation = await revocationFor(core, { patient: patient2.address });
      await expect(core.consents.revokeWithSignature(revocation, await signRev(core, revocation, patient2)))
        .to.be.revertedWithCustomError(core.consents, "NotRecordPatient")
        .withArgs(core.tokenId, patient2.address);
      expect(await readAccess(core)).to.equal(true);
    });
  });

  describe("burn, suspension and governance", () => {
    it("after the patient burns the record, access is false and revoking it reverts", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      await grantTo(core, provider.address, { scopes: ALL_SCOPES });
      await core.records.connect(patient).burn(core.tokenId);
      for (const scope of [Scope.READ, Scope.APPEND, Scope.ANNOTATE]) {
        expect(await core.consents.hasAccess(provider.address, core.tokenId, scope)).to.equal(false);
      }
      expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, Purpose.TREATMENT)).to.equal(false);
      await expect(core.consents.connect(patient).revoke(core.tokenId, provider.address))
        .to.be.revertedWithCustomError(core.consents, "NotRecordPatient")
        .withArgs(core.tokenId, patient.address);
      const revocation = await revocationFor(core);
      await expect(core.consents.revokeWithSignature(revocation, await signRev(core, revocation)))
        .to.be.revertedWithCustomError(core.consents, "NotRecordPatient")
        .withArgs(core.tokenId, patient.address);
    });

    it("suspending the provider removes access at once; reinstating restores the unexpired grant", async () => {
      const core = await loadFixture(deployCore);
      const { provider, patient } = core.signers;
      await grantTo(core, provider.address, { tokenId: ALL_RECORDS, scopes: ALL_SCOPES });
      await core.providers.suspend(provider.address, randomKey());
      expect(await readAccess(core)).to.equal(false);
      expect(await core.consents.canAppend(provider.address, patient.address)).to.equal(false);
      expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, Purpose.TREATMENT)).to.equal(false);
      await core.providers.reinstate(provider.address);
      expect(await readAccess(core)).to.equal(true);
      expect(await core.consents.canAppend(provider.address, patient.address)).to.equal(true);
    });

    it("reinstatement does not revive a grant revoked while suspended", async () => {
      const core = await loadFixture(deployCore);
      const { provider, patient } = core.signers;
      await grantTo(core);
      await core.providers.suspend(provider.address, randomKey());
      await expect(core.consents.connect(patient).revoke(core.tokenId, provider.address)).to.emit(core.consents, "AccessRevoked");
      await core.providers.reinstate(provider.address);
      expect(await readAccess(core)).to.equal(false);
    });

    it("revocation still works after every admin and role holder renounced their roles", async () => {
      const core = await loadFixture(deployCore);
      const { deployer, registrar, resolver, breakGlass, patient, provider, lab } = core.signers;
      await grantTo(core);
      await grantTo(core, lab.address);

      const consents = core.consents;
      await consents.connect(resolver).renounceRole(await consents.RESOLVER_ROLE(), resolver.address);
      await consents.connect(breakGlass).renounceRole(await consents.BREAK_GLASS_ROLE(), breakGlass.address);
      await consents.connect(deployer).renounceRole(await consents.DEFAULT_ADMIN_ROLE(), deployer.address);
      await core.providers.connect(registrar).renounceRole(await core.providers.REGISTRAR_ROLE(), registrar.address);
      await core.providers.connect(deployer).renounceRole(await core.providers.DEFAULT_ADMIN_ROLE(), deployer.address);
      expect(await consents.hasRole(await consents.DEFAULT_ADMIN_ROLE(), deployer.address)).to.equal(false);

      await expect(consents.connect(patient).revoke(core.tokenId, provider.address))
        .to.emit(consents, "AccessRevoked")
        .withArgs(patient.address, provider.address, core.tokenId, Purpose.TREATMENT);
      const revocation = await revocationFor(core, { grantee: lab.address });
      await expect(consents.connect(core.signers.outsider).revokeWithSignature(revocation, await signRev(core, revocation)))
        .to.emit(consents, "AccessRevoked")
        .withArgs(patient.address, lab.address, core.tokenId, Purpose.TREATMENT);
      expect(await readAccess(core)).to.equal(false);
      expect(await readAccess(core, lab.address)).to.equal(false);
    });
  });
});
