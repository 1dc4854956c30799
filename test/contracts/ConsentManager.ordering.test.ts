import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { ZeroHash } from "ethers";
import { deployCore, randomKey } from "../helpers/fixture";
import { signRevocation, type Consent } from "../../sdk/consent/typed-data";
import { ALL_RECORDS, ALL_SCOPES, Scope, Purpose } from "../../sdk/vocabulary";

/**
 * Point 4 of the security review: a consent that was revoked or narrowed must not come back. Every consent names
 * the epoch of its (patient, token, grantee) pair; every grant and revocation advances it.
 */
describe("ConsentManager: consent ordering (epochs) and registration binding", () => {
  describe("an older, broader consent cannot overtake a newer, narrower one", () => {
    it("newer narrower first, older broader second: the older is refused (StaleConsent) and access stays narrow", async () => {
      const core = await loadFixture(deployCore);
      const { provider, outsider } = core.signers;
      // Both signed while the pair is at the same epoch; the broader one was handed to the provider first.
      const broader = await core.consentFor({ scopes: Scope.READ | Scope.APPEND });
      const narrower = await core.consentFor({ scopes: Scope.READ });
      const broaderSignature = await core.sign(broader);
      await core.consents.grant(narrower, await core.sign(narrower));

      await expect(core.consents.connect(provider).grant(broader, broaderSignature))
        .to.be.revertedWithCustomError(core.consents, "StaleConsent")
        .withArgs(broader.epoch + 1n, broader.epoch);
      await expect(core.consents.connect(outsider).grant(broader, broaderSignature)).to.be.revertedWithCustomError(core.consents, "StaleConsent");
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.APPEND)).to.equal(false);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
      expect((await core.consents.grantOf(core.signers.patient.address, core.tokenId, provider.address)).scopes).to.equal(BigInt(Scope.READ));
    });

    it("older broader submitted first (a race): the newer one signed at the same epoch is refused loudly, and once re-signed it wins for good", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      const broader = await core.consentFor({ scopes: Scope.READ | Scope.APPEND });
      const narrower = await core.consentFor({ scopes: Scope.READ });
      const broaderSignature = await core.sign(broader);
      const narrowerSignature = await core.sign(narrower);
      await core.consents.connect(provider).grant(broader, broaderSignature);
      // The patient's narrower consent was signed before that change: it does not apply silently under it.
      await expect(core.consents.grant(narrower, narrowerSignature))
        .to.be.revertedWithCustomError(core.consents, "StaleConsent")
        .withArgs(narrower.epoch + 1n, narrower.epoch);
      // Signed again at the current epoch it applies, and the broader one can never come back.
      const resigned = await core.consentFor({ scopes: Scope.READ });
      expect(resigned.epoch).to.equal(broader.epoch + 1n);
      await core.consents.grant(resigned, await core.sign(resigned));
      await expect(core.consents.connect(provider).grant(broader, broaderSignature)).to.be.revertedWithCustomError(core.consents, "StaleConsent");
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.APPEND)).to.equal(false);
      expect(await core.consents.consentEpochOf(patient.address, core.tokenId, provider.address)).to.equal(broader.epoch + 2n);
    });

    it("grantDirect is ordered the same way: it needs the current epoch and advances it", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      const spare = await core.consentFor({ scopes: ALL_SCOPES });
      const spareSignature = await core.sign(spare);
      const direct = await core.consentFor({ scopes: Scope.READ });
      await core.consents.connect(patient).grantDirect(direct);
      await expect(core.consents.connect(patient).grantDirect(direct)).to.be.revertedWithCustomError(core.consents, "StaleConsent");
      await expect(core.consents.connect(provider).grant(spare, spareSignature)).to.be.revertedWithCustomError(core.consents, "StaleConsent");
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.APPEND)).to.equal(false);
    });
  });

  describe("a revocation voids every outstanding signature of the pair", () => {
    it("after revoke, a spare signed-but-unsubmitted consent does not restore access", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      const granted = await core.consentFor();
      const spare = await core.consentFor({ expiresAt: granted.expiresAt + 30n * 86_400n });
      const spareSignature = await core.sign(spare);
      await core.consents.grant(granted, await core.sign(granted));
      await expect(core.consents.connect(patient).revoke(core.tokenId, provider.address)).to.emit(core.consents, "AccessRevoked");

      await expect(core.consents.connect(provider).grant(spare, spareSignature))
        .to.be.revertedWithCustomError(core.consents, "StaleConsent")
        .withArgs(spare.epoch + 2n, spare.epoch);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
      expect(await core.consents.isNonceUsed(patient.address, spare.nonce)).to.equal(false);
      const stored = await core.consents.grantOf(patient.address, core.tokenId, provider.address);
      expect([stored.scopes, stored.expiresAt, stored.epoch]).to.deep.equal([0n, 0n, 2n]);
    });

    it("a relayed revocation (revokeWithSignature) voids spare consents too", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider, relayer } = core.signers;
      const granted = await core.consentFor();
      const spare = await core.consentFor();
      const spareSignature = await core.sign(spare);
      await core.consents.grant(granted, await core.sign(granted));
      const revocation = { patient: patient.address, grantee: provider.address, tokenId: core.tokenId, nonce: 9_999n, deadline: BigInt(await time.latest()) + 600n };
      await core.consents.connect(relayer).revokeWithSignature(revocation, await signRevocation(patient, core.domain, revocation));
      await expect(core.consents.connect(provider).grant(spare, spareSignature)).to.be.revertedWithCustomError(core.consents, "StaleConsent");
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
    });

    it("patient-wide consents are ordered the same way, separately from per-record ones", async () => {
      const core = await loadFixture(deployCore);
      const { patient, lab } = core.signers;
      const wide = await core.consentFor({ tokenId: ALL_RECORDS, grantee: lab.address, scopes: Scope.APPEND });
      const spare = await core.consentFor({ tokenId: ALL_RECORDS, grantee: lab.address, scopes: Scope.APPEND | Scope.READ });
      const spareSignature = await core.sign(spare);
      const perRecordEpoch = await core.consents.consentEpochOf(patient.address, core.tokenId, lab.address);
      await core.consents.grant(wide, await core.sign(wide));
      expect(await core.consents.canAppend(lab.address, patient.address)).to.equal(true);
      await core.consents.connect(patient).revoke(ALL_RECORDS, lab.address);
      await expect(core.consents.connect(lab).grant(spare, spareSignature)).to.be.revertedWithCustomError(core.consents, "StaleConsent");
      expect(await core.consents.canAppend(lab.address, patient.address)).to.equal(false);
      expect(await core.consents.consentEpochOf(patient.address, core.tokenId, lab.address)).to.equal(perRecordEpoch);
    });

    it("epochs are per pair: another grantee's and another record's consents are untouched", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider, lab } = core.signers;
      const forLab = await core.consentFor({ grantee: lab.address });
      const forLabSignature = await core.sign(forLab);
      const granted = await core.consentFor();
      await core.consents.grant(granted, await core.sign(granted));
      await core.consents.connect(patient).revoke(core.tokenId, provider.address);
      await expect(core.consents.grant(forLab, forLabSignature)).to.emit(core.consents, "AccessGranted");
      expect(await core.consents.hasAccess(lab.address, core.tokenId, Scope.READ)).to.equal(true);
    });
  });

  describe("registration binds patient-wide consents and the emergency delegate", () => {
    it("deregistering ends patient-wide consents; re-registering brings back neither them nor a spare one signed before", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider, lab } = core.signers;
      const readAll = await core.consentFor({ tokenId: ALL_RECORDS, scopes: Scope.READ });
      await core.consents.grant(readAll, await core.sign(readAll));
      const append = await core.consentFor({ tokenId: ALL_RECORDS, grantee: lab.address, scopes: Scope.APPEND });
      await core.consents.grant(append, await core.sign(append));
      const spare = await core.consentFor({ tokenId: ALL_RECORDS, grantee: lab.address, scopes: ALL_SCOPES });
      const spareSignature = await core.sign(spare);
      expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, Purpose.TREATMENT)).to.equal(true);

      expect(await core.patients.registrationOf(patient.address)).to.equal(1n);
      await core.patients.connect(patient).deregister();
      expect(await core.patients.registrationOf(patient.address)).to.equal(0n);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
      expect(await core.consents.canAppend(lab.address, patient.address)).to.equal(false);
      expect((await core.consents.checkDisclosures([{ tokenId: core.tokenId, grantee: provider.address, purpose: Purpose.TREATMENT, requestHash: ZeroHash }]))[0].status).to.equal(2n);

      await core.patients.connect(patient).register(randomKey());
      expect(await core.patients.registrationOf(patient.address)).to.equal(2n);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
      expect(await core.consents.canAppend(lab.address, patient.address)).to.equal(false);
      await expect(core.consents.connect(lab).grant(spare, spareSignature))
        .to.be.revertedWithCustomError(core.consents, "StaleConsent")
        .withArgs(2n << 32n, spare.epoch);
      expect(await core.consents.canAppend(lab.address, patient.address)).to.equal(false);
      // A consent signed under the new registration applies.
      const fresh = await core.consentFor({ tokenId: ALL_RECORDS, grantee: lab.address, scopes: Scope.APPEND });
      expect(fresh.epoch).to.equal(2n << 32n);
      await core.consents.grant(fresh, await core.sign(fresh));
      expect(await core.consents.canAppend(lab.address, patient.address)).to.equal(true);
    });

    it("a per-record consent survives deregistration (the record stays the patient's)", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      const consent = await core.consentFor();
      await core.consents.grant(consent, await core.sign(consent));
      await core.patients.connect(patient).deregister();
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
      await core.consents.connect(patient).revoke(core.tokenId, provider.address);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
    });

    it("refuses a patient-wide consent of an unregistered account (NotAPatient) and an expiry beyond 40 bits (ExpiryTooFar)", async () => {
      const core = await loadFixture(deployCore);
      const { outsider } = core.signers;
      const unregistered = await core.consentFor({ patient: outsider.address, tokenId: ALL_RECORDS });
      await expect(core.consents.grant(unregistered, await core.sign(unregistered, outsider)))
        .to.be.revertedWithCustomError(core.consents, "NotAPatient")
        .withArgs(outsider.address);
      const far = await core.consentFor({ expiresAt: 1n << 40n });
      await expect(core.consents.grant(far, await core.sign(far)))
        .to.be.revertedWithCustomError(core.consents, "ExpiryTooFar")
        .withArgs(1n << 40n);
      const farthest = await core.consentFor({ expiresAt: (1n << 40n) - 1n });
      await expect(core.consents.grant(farthest, await core.sign(farthest))).to.emit(core.consents, "AccessGranted");
    });
  });

  /**
   * Model: the chain applies a consent iff it carries the pair's current epoch (and a fresh nonce); grants and
   * revocations advance the epoch. Whatever the patient signs and whatever order the grantee submits in, the
   * access on chain is the last consent the chain applied, and nothing signed before a revocation ever applies.
   */
  it("property: random signing, submission orders and revocations never let a stale consent apply", async function () {
    this.timeout(240_000);
    const { patient, provider } = (await loadFixture(deployCore)).signers;
    type Op = { kind: "sign"; scopes: number } | { kind: "submit"; pick: number } | { kind: "revoke" };
    const op = fc.oneof(
      fc.record({ kind: fc.constant("sign" as const), scopes: fc.integer({ min: 1, max: 7 }) }),
      fc.record({ kind: fc.constant("submit" as const), pick: fc.nat() }),
      fc.constant({ kind: "revoke" as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops: Op[]) => {
        const fresh = await loadFixture(deployCore);
        let epoch = await fresh.consents.consentEpochOf(patient.address, fresh.tokenId, provider.address);
        let live: number | undefined;
        const signed: { consent: Consent; signature: string; signedAt: bigint }[] = [];
        for (const step of ops) {
          if (step.kind === "sign") {
            const consent = await fresh.consentFor({ scopes: step.scopes, expiresAt: BigInt(await time.latest()) + 30n * 86_400n });
            expect(consent.epoch).to.equal(epoch);
            signed.push({ consent, signature: await fresh.sign(consent), signedAt: epoch });
          } else if (step.kind === "submit" && signed.length > 0) {
            const { consent, signature, signedAt } = signed[step.pick % signed.length];
            const applies = signedAt === epoch;
            const attempt = fresh.consents.connect(provider).grant(consent, signature);
            if (applies) {
              await expect(attempt).to.emit(fresh.consents, "AccessGranted");
              epoch += 1n;
              live = consent.scopes;
            } else {
              await expect(attempt).to.be.revertedWithCustomError(fresh.consents, "StaleConsent");
            }
          } else if (step.kind === "revoke") {
            const attempt = fresh.consents.connect(patient).revoke(fresh.tokenId, provider.address);
            if (live === undefined) {
              await expect(attempt).to.be.revertedWithCustomError(fresh.consents, "NoGrant");
            } else {
              await attempt;
              epoch += 1n;
              live = undefined;
            }
          }
          for (const scope of [Scope.READ, Scope.APPEND, Scope.ANNOTATE]) {
            const expected = live !== undefined && (live & scope) === scope;
            expect(await fresh.consents.hasAccess(provider.address, fresh.tokenId, scope), `scope ${scope}`).to.equal(expected);
          }
          expect(await fresh.consents.consentEpochOf(patient.address, fresh.tokenId, provider.address)).to.equal(epoch);
        }
      }),
      { numRuns: 25 },
    );
  });
});
