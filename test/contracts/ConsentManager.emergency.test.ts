import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ethers } from "hardhat";
import { ZeroAddress, ZeroHash, dataSlice, id } from "ethers";
import { RECORD_KIND, deployCore, randomKey, randomPointer, type Core } from "../helpers/fixture";
import { ALL_RECORDS, Scope, Purpose } from "../../sdk/vocabulary";
import { ParticipantKind } from "../../sdk/chain/participant-kind";

const HOUR = 3600n;
const MAX_EMERGENCY_DURATION = 24n * HOUR;
const REASON = id("unconscious patient admitted to ER, no consent on file");

/** Opens emergency access for `grantee` (default: the fixture provider) and returns its exact expiry. */
async function openEmergency(core: Core, duration = HOUR, grantee = core.signers.provider.address, tokenId = core.tokenId) {
  const start = BigInt(await time.latest()) + 5n;
  await time.setNextBlockTimestamp(start);
  await core.consents.connect(core.signers.breakGlass).emergencyAccess(tokenId, grantee, REASON, duration);
  return start + duration;
}

describe("ConsentManager.emergencyAccess", () => {
  it("the break-glass authority opens READ access and EmergencyAccessGranted carries every field", async () => {
    const core = await loadFixture(deployCore);
    const { breakGlass, patient, provider } = core.signers;
    const start = BigInt(await time.latest()) + 5n;
    await time.setNextBlockTimestamp(start);
    await expect(core.consents.connect(breakGlass).emergencyAccess(core.tokenId, provider.address, REASON, 2n * HOUR))
      .to.emit(core.consents, "EmergencyAccessGranted")
      .withArgs(core.tokenId, patient.address, provider.address, breakGlass.address, REASON, start + 2n * HOUR);

    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
    const stored = await core.consents.emergencyGrantOf(core.tokenId, provider.address);
    expect(stored.expiresAt).to.equal(start + 2n * HOUR);
    expect([stored.windowStart, stored.windowUsed, stored.delegation]).to.deep.equal([start, 2n * HOUR, 0n]);
    expect(await core.consents.hasEmergencyAccess(core.tokenId, provider.address)).to.equal(true);
    expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, Purpose.EMERGENCY)).to.equal(true);
    expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, Purpose.TREATMENT)).to.equal(false);
  });

  it("grants READ only: APPEND, ANNOTATE and canAppend stay false, and no consent is stored", async () => {
    const core = await loadFixture(deployCore);
    const { patient, provider } = core.signers;
    await openEmergency(core);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.APPEND)).to.equal(false);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.ANNOTATE)).to.equal(false);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ | Scope.APPEND)).to.equal(false);
    expect(await core.consents.canAppend(provider.address, patient.address)).to.equal(false);
    expect((await core.consents.grantOf(patient.address, core.tokenId, provider.address)).scopes).to.equal(0n);
  });

  it("covers only the one token it was opened on", async () => {
    const core = await loadFixture(deployCore);
    const { patient, provider } = core.signers;
    const pointer = { cid: "0x01701220" + "ab".repeat(32), contentHash: randomKey() };
    await core.records.connect(patient).mint(patient.address, ZeroHash.replace(/0$/, "1"), pointer.cid, pointer.contentHash, ZeroHash);
    const other = await core.records.tokenIdFor(patient.address, patient.address, ZeroHash.replace(/0$/, "1"));
    await openEmergency(core);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
    expect(await core.consents.hasAccess(provider.address, other, Scope.READ)).to.equal(false);
    expect(await core.consents.hasAccess(core.signers.lab.address, core.tokenId, Scope.READ)).to.equal(false);
  });

  it("expires exactly at expiresAt: live one second before, gone at that second", async () => {
    const core = await loadFixture(deployCore);
    const { provider } = core.signers;
    const expiresAt = await openEmergency(core, 30n * 60n);
    await time.increaseTo(expiresAt - 1n);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
    await time.increaseTo(expiresAt);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
    expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, Purpose.EMERGENCY)).to.equal(false);
  });

  it("accepts exactly MAX_EMERGENCY_DURATION (24 h)", async () => {
    const core = await loadFixture(deployCore);
    const { provider } = core.signers;
    expect(await core.consents.MAX_EMERGENCY_DURATION()).to.equal(MAX_EMERGENCY_DURATION);
    const expiresAt = await openEmergency(core, MAX_EMERGENCY_DURATION);
    await time.increaseTo(expiresAt - 1n);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
    await time.increaseTo(expiresAt);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
  });

  it("a second emergency call overwrites the expiry of the first", async () => {
    const core = await loadFixture(deployCore);
    const first = await openEmergency(core, 10n * HOUR);
    const second = await openEmergency(core, 60n);
    expect((await core.consents.emergencyGrantOf(core.tokenId, core.signers.provider.address)).expiresAt).to.equal(second);
    await time.increaseTo(second);
    expect(await core.consents.hasAccess(core.signers.provider.address, core.tokenId, Scope.READ)).to.equal(false);
    expect(first).to.be.greaterThan(second);
  });

  it("reverts with NotAuthorized for any caller without BREAK_GLASS_ROLE that is not the patient's delegate (even the admin)", async () => {
    const core = await loadFixture(deployCore);
    const { outsider, deployer, patient, provider, resolver } = core.signers;
    for (const caller of [outsider, deployer, patient, provider, resolver]) {
      await expect(core.consents.connect(caller).emergencyAccess(core.tokenId, provider.address, REASON, HOUR))
        .to.be.revertedWithCustomError(core.consents, "NotAuthorized")
        .withArgs(caller.address);
    }
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
  });

  it("reverts with InvalidEmergencyDuration for 0 or more than MAX_EMERGENCY_DURATION", async () => {
    const core = await loadFixture(deployCore);
    const { breakGlass, provider } = core.signers;
    for (const duration of [0n, MAX_EMERGENCY_DURATION + 1n, (1n << 64n) - 1n]) {
      await expect(core.consents.connect(breakGlass).emergencyAccess(core.tokenId, provider.address, REASON, duration))
        .to.be.revertedWithCustomError(core.consents, "InvalidEmergencyDuration")
        .withArgs(duration);
    }
  });

  it("reverts with MissingReason when the reason hash is zero", async () => {
    const core = await loadFixture(deployCore);
    const { breakGlass, provider } = core.signers;
    await expect(
      core.consents.connect(breakGlass).emergencyAccess(core.tokenId, provider.address, ZeroHash, HOUR),
    ).to.be.revertedWithCustomError(core.consents, "MissingReason");
  });

  it("reverts with UnknownToken for a token that does not exist, for ALL_RECORDS and for a burned token", async () => {
    const core = await loadFixture(deployCore);
    const { breakGlass, provider, patient } = core.signers;
    for (const tokenId of [0n, 42n, ALL_RECORDS]) {
      await expect(core.consents.connect(breakGlass).emergencyAccess(tokenId, provider.address, REASON, HOUR))
        .to.be.revertedWithCustomError(core.consents, "UnknownToken")
        .withArgs(tokenId);
    }
    await core.records.connect(patient).burn(core.tokenId);
    await expect(core.consents.connect(breakGlass).emergencyAccess(core.tokenId, provider.address, REASON, HOUR))
      .to.be.revertedWithCustomError(core.consents, "UnknownToken")
      .withArgs(core.tokenId);
  });

  it("reverts with InactiveGrantee for every grantee that is not an active Provider", async () => {
    const core = await loadFixture(deployCore);
    const { breakGlass, lab, insurer, researcher, resolver, outsider, patient2 } = core.signers;
    for (const grantee of [lab, insurer, researcher, resolver, outsider, patient2]) {
      await expect(core.consents.connect(breakGlass).emergencyAccess(core.tokenId, grantee.address, REASON, HOUR))
        .to.be.revertedWithCustomError(core.consents, "InactiveGrantee")
        .withArgs(grantee.address);
    }
  });

  it("reverts with InactiveGrantee for a suspended provider; a suspension during the window cuts access", async () => {
    const core = await loadFixture(deployCore);
    const { breakGlass, provider } = core.signers;
    await openEmergency(core);
    await core.providers.suspend(provider.address, randomKey());
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
    await expect(core.consents.connect(breakGlass).emergencyAccess(core.tokenId, provider.address, REASON, HOUR))
      .to.be.revertedWithCustomError(core.consents, "InactiveGrantee")
      .withArgs(provider.address);
    await core.providers.reinstate(provider.address);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
  });

  it("is lost when the record is burned", async () => {
    const core = await loadFixture(deployCore);
    await openEmergency(core);
    await core.records.connect(core.signers.patient).burn(core.tokenId);
    expect(await core.consents.hasAccess(core.signers.provider.address, core.tokenId, Scope.READ)).to.equal(false);
  });

  describe("endEmergencyAccess", () => {
    it("the patient ends it early: EmergencyAccessEnded and access false", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      await openEmergency(core);
      await expect(core.consents.connect(patient).endEmergencyAccess(core.tokenId, provider.address))
        .to.emit(core.consents, "EmergencyAccessEnded")
        .withArgs(core.tokenId, patient.address, provider.address, patient.address);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
      expect((await core.consents.emergencyGrantOf(core.tokenId, provider.address)).expiresAt).to.equal(0n);
      expect(await core.consents.hasEmergencyAccess(core.tokenId, provider.address)).to.equal(false);
    });

    it("the break-glass authority ends it early", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider, breakGlass } = core.signers;
      await openEmergency(core);
      await expect(core.consents.connect(breakGlass).endEmergencyAccess(core.tokenId, provider.address))
        .to.emit(core.consents, "EmergencyAccessEnded")
        .withArgs(core.tokenId, patient.address, provider.address, breakGlass.address);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
    });

    it("anyone else (outsider, the grantee, the admin) reverts with NotAuthorized", async () => {
      const core = await loadFixture(deployCore);
      const { outsider, provider, deployer, patient2 } = core.signers;
      await openEmergency(core);
      for (const caller of [outsider, provider, deployer, patient2]) {
        await expect(core.consents.connect(caller).endEmergencyAccess(core.tokenId, provider.address))
          .to.be.revertedWithCustomError(core.consents, "NotAuthorized")
          .withArgs(caller.address);
      }
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
    });

    it("reverts with NoGrant when no emergency access is open, and with UnknownToken for unknown tokens", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider, breakGlass } = core.signers;
      await expect(core.consents.connect(patient).endEmergencyAccess(core.tokenId, provider.address))
        .to.be.revertedWithCustomError(core.consents, "NoGrant")
        .withArgs(patient.address, core.tokenId, provider.address);
      await expect(core.consents.connect(breakGlass).endEmergencyAccess(77n, provider.address))
        .to.be.revertedWithCustomError(core.consents, "UnknownToken")
        .withArgs(77n);
    });

    it("ending the emergency leaves the patient's own consent intact", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      const consent = await core.consentFor({ scopes: Scope.APPEND });
      await core.consents.grant(consent, await core.sign(consent));
      await openEmergency(core);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
      await core.consents.connect(patient).endEmergencyAccess(core.tokenId, provider.address);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.APPEND)).to.equal(true);
      // And revoking the consent does not touch an emergency grant.
      await openEmergency(core);
      await core.consents.connect(patient).revoke(core.tokenId, provider.address);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
    });
  });
});

describe("ConsentManager emergency delegate (a patient's guardians' Safe)", () => {
  /** The core plus a second record (of patient2) and two accounts standing in for guardian Safes. */
  async function withDelegates() {
    const core = await deployCore();
    const { patient, patient2 } = core.signers;
    const [delegateA, delegateB] = (await ethers.getSigners()).slice(12, 14);
    const pointer = randomPointer();
    await core.records.connect(patient2).mint(patient2.address, ZeroHash, pointer.cid, pointer.contentHash, RECORD_KIND);
    const tokenOfB = await core.records.tokenIdFor(patient2.address, patient2.address, ZeroHash);
    expect(await core.records.patientOf(tokenOfB)).to.equal(patient2.address);
    await core.consents.connect(patient).setEmergencyDelegate(delegateA.address);
    await core.consents.connect(patient2).setEmergencyDelegate(delegateB.address);
    return { core, delegateA, delegateB, tokenOfB };
  }

  it("a registered patient names its delegate: EmergencyDelegateSet and emergencyDelegateOf; a new one replaces it", async () => {
    const core = await loadFixture(deployCore);
    const { patient, outsider, lab } = core.signers;
    expect(await core.consents.emergencyDelegateOf(patient.address)).to.equal(ZeroAddress);
    await expect(core.consents.connect(patient).setEmergencyDelegate(outsider.address))
      .to.emit(core.consents, "EmergencyDelegateSet")
      .withArgs(patient.address, outsider.address);
    expect(await core.consents.emergencyDelegateOf(patient.address)).to.equal(outsider.address);
    await core.consents.connect(patient).setEmergencyDelegate(lab.address);
    expect(await core.consents.emergencyDelegateOf(patient.address)).to.equal(lab.address);
  });

  it("an account that is not a registered patient cannot name a delegate (NotAPatient)", async () => {
    const core = await loadFixture(deployCore);
    const { outsider, provider, deployer } = core.signers;
    for (const caller of [outsider, provider, deployer]) {
      await expect(core.consents.connect(caller).setEmergencyDelegate(outsider.address))
        .to.be.revertedWithCustomError(core.consents, "NotAPatient")
        .withArgs(caller.address);
      expect(await core.consents.emergencyDelegateOf(caller.address)).to.equal(ZeroAddress);
    }
  });

  it("the delegate opens READ emergency access on its patient's record; approvedBy is the delegate; it holds no global role", async () => {
    const { core, delegateA } = await loadFixture(withDelegates);
    const { patient, provider } = core.signers;
    const start = BigInt(await time.latest()) + 5n;
    await time.setNextBlockTimestamp(start);
    await expect(core.consents.connect(delegateA).emergencyAccess(core.tokenId, provider.address, REASON, HOUR))
      .to.emit(core.consents, "EmergencyAccessGranted")
      .withArgs(core.tokenId, patient.address, provider.address, delegateA.address, REASON, start + HOUR);
    expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, Purpose.EMERGENCY)).to.equal(true);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.APPEND)).to.equal(false);
    expect(await core.consents.hasRole(await core.consents.BREAK_GLASS_ROLE(), delegateA.address)).to.equal(false);
    await time.increaseTo(start + HOUR);
    expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, Purpose.EMERGENCY)).to.equal(false);
  });

  it("attack: the delegate of patient A cannot open or end emergency access on patient B's record (NotAuthorized)", async () => {
    const { core, delegateA, delegateB, tokenOfB } = await loadFixture(withDelegates);
    const { provider, breakGlass } = core.signers;
    await expect(core.consents.connect(delegateA).emergencyAccess(tokenOfB, provider.address, REASON, HOUR))
      .to.be.revertedWithCustomError(core.consents, "NotAuthorized")
      .withArgs(delegateA.address);
    await expect(core.consents.connect(delegateB).emergencyAccess(core.tokenId, provider.address, REASON, HOUR))
      .to.be.revertedWithCustomError(core.consents, "NotAuthorized")
      .withArgs(delegateB.address);
    expect(await core.consents.hasAccess(provider.address, tokenOfB, Scope.READ)).to.equal(false);

    await core.consents.connect(breakGlass).emergencyAccess(tokenOfB, provider.address, REASON, HOUR);
    await expect(core.consents.connect(delegateA).endEmergencyAccess(tokenOfB, provider.address))
      .to.be.revertedWithCustomError(core.consents, "NotAuthorized")
      .withArgs(delegateA.address);
    expect(await core.consents.hasAccess(provider.address, tokenOfB, Scope.READ)).to.equal(true);
  });

  it("the delegate ends an emergency access on its patient's record, also one the break-glass authority opened", async () => {
    const { core, delegateA } = await loadFixture(withDelegates);
    const { patient, provider } = core.signers;
    await openEmergency(core);
    await expect(core.consents.connect(delegateA).endEmergencyAccess(core.tokenId, provider.address))
      .to.emit(core.consents, "EmergencyAccessEnded")
      .withArgs(core.tokenId, patient.address, provider.address, delegateA.address);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
  });

  it("the delegate is held to every other check: duration cap, reason, active Provider grantee, existing token", async () => {
    const { core, delegateA } = await loadFixture(withDelegates);
    const { provider, lab } = core.signers;
    const consents = core.consents.connect(delegateA);
    await expect(consents.emergencyAccess(core.tokenId, provider.address, REASON, MAX_EMERGENCY_DURATION + 1n))
      .to.be.revertedWithCustomError(core.consents, "InvalidEmergencyDuration")
      .withArgs(MAX_EMERGENCY_DURATION + 1n);
    await expect(consents.emergencyAccess(core.tokenId, provider.address, ZeroHash, HOUR)).to.be.revertedWithCustomError(
      core.consents,
      "MissingReason",
    );
    await expect(consents.emergencyAccess(core.tokenId, lab.address, REASON, HOUR))
      .to.be.revertedWithCustomError(core.consents, "InactiveGrantee")
      .withArgs(lab.address);
    await expect(consents.emergencyAccess(ALL_RECORDS, provider.address, REASON, HOUR))
      .to.be.revertedWithCustomError(core.consents, "UnknownToken")
      .withArgs(ALL_RECORDS);
  });

  it("clearing (address 0) removes the delegate's power at once; a deregistered patient can still clear", async () => {
    const { core, delegateA, delegateB } = await loadFixture(withDelegates);
    const { patient, patient2, provider } = core.signers;
    await openEmergency(core);
    await expect(core.consents.connect(patient).setEmergencyDelegate(ZeroAddress))
      .to.emit(core.consents, "EmergencyDelegateSet")
      .withArgs(patient.address, ZeroAddress);
    expect(await core.consents.emergencyDelegateOf(patient.address)).to.equal(ZeroAddress);
    await expect(core.consents.connect(delegateA).emergencyAccess(core.tokenId, provider.address, REASON, HOUR))
      .to.be.revertedWithCustomError(core.consents, "NotAuthorized")
      .withArgs(delegateA.address);
    await expect(core.consents.connect(delegateA).endEmergencyAccess(core.tokenId, provider.address))
      .to.be.revertedWithCustomError(core.consents, "NotAuthorized")
      .withArgs(delegateA.address);

    await core.patients.connect(patient2).deregister();
    expect(await core.patients.isPatient(patient2.address)).to.equal(false);
    await expect(core.consents.connect(patient2).setEmergencyDelegate(delegateA.address))
      .to.be.revertedWithCustomError(core.consents, "NotAPatient")
      .withArgs(patient2.address);
    await core.consents.connect(patient2).setEmergencyDelegate(ZeroAddress);
    expect(await core.consents.emergencyDelegateOf(patient2.address)).to.equal(ZeroAddress);
    expect(await core.consents.hasRole(await core.consents.BREAK_GLASS_ROLE(), delegateB.address)).to.equal(false);
  });
});

/**
 * Point 7 of the security review: emergency access cannot be renewed without bound, and grants opened by a delegate
 * end with the delegate (cleared, replaced, or the patient deregistered).
 */
describe("ConsentManager emergency allowance and the end of a delegate's grants", () => {
  const WINDOW = 7n * 24n * HOUR;
  const ALLOWANCE = 72n * HOUR;

  it("renewals are capped at 72 h per (token, grantee) per 7-day window; the 31-renewal attack stops at the fourth day", async () => {
    const core = await loadFixture(deployCore);
    const { breakGlass, provider } = core.signers;
    const consents = core.consents.connect(breakGlass);
    let renewals = 0;
    let refused: unknown;
    for (let day = 0; day < 31 && refused === undefined; day++) {
      try {
        await (await consents.emergencyAccess(core.tokenId, provider.address, REASON, MAX_EMERGENCY_DURATION)).wait();
        renewals++;
        await time.increase(MAX_EMERGENCY_DURATION);
      } catch (error) {
        refused = error;
      }
    }
    expect(renewals).to.equal(3);
    await expect(consents.emergencyAccess(core.tokenId, provider.address, REASON, MAX_EMERGENCY_DURATION))
      .to.be.revertedWithCustomError(core.consents, "EmergencyAllowanceExceeded")
      .withArgs(core.tokenId, provider.address, 0n);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
    // The allowance is per (token, grantee): another provider can still be let in.
    const other = core.signers.deployer;
    await core.providers.register(other.address, ParticipantKind.Provider, randomKey(), randomKey());
    await expect(consents.emergencyAccess(core.tokenId, other.address, REASON, HOUR)).to.emit(core.consents, "EmergencyAccessGranted");
  });

  it("a renewal while open is charged only the seconds it adds; a new window starts once the last one is over", async () => {
    const core = await loadFixture(deployCore);
    const { breakGlass, provider } = core.signers;
    const consents = core.consents.connect(breakGlass);
    const start = BigInt(await time.latest()) + 5n;
    await time.setNextBlockTimestamp(start);
    await consents.emergencyAccess(core.tokenId, provider.address, REASON, MAX_EMERGENCY_DURATION);
    await time.setNextBlockTimestamp(start + 12n * HOUR);
    await consents.emergencyAccess(core.tokenId, provider.address, REASON, MAX_EMERGENCY_DURATION);
    let stored = await core.consents.emergencyGrantOf(core.tokenId, provider.address);
    expect([stored.windowStart, stored.windowUsed, stored.expiresAt]).to.deep.equal([start, 36n * HOUR, start + 36n * HOUR]);
    // 36 h left: a 24 h renewal 12 h before expiry adds 12 h (48 h used), then 24 h more fit, then nothing.
    await time.setNextBlockTimestamp(start + 24n * HOUR);
    await consents.emergencyAccess(core.tokenId, provider.address, REASON, MAX_EMERGENCY_DURATION);
    await time.setNextBlockTimestamp(start + 48n * HOUR);
    await consents.emergencyAccess(core.tokenId, provider.address, REASON, MAX_EMERGENCY_DURATION);
    stored = await core.consents.emergencyGrantOf(core.tokenId, provider.address);
    expect(stored.windowUsed).to.equal(ALLOWANCE);
    await time.setNextBlockTimestamp(start + 60n * HOUR);
    await expect(consents.emergencyAccess(core.tokenId, provider.address, REASON, MAX_EMERGENCY_DURATION))
      .to.be.revertedWithCustomError(core.consents, "EmergencyAllowanceExceeded")
      .withArgs(core.tokenId, provider.address, 0n);
    // A shorter call that adds nothing (the access is open until start + 72 h) is free.
    await time.setNextBlockTimestamp(start + 61n * HOUR);
    await expect(consents.emergencyAccess(core.tokenId, provider.address, REASON, HOUR)).to.emit(core.consents, "EmergencyAccessGranted");
    await time.setNextBlockTimestamp(start + WINDOW);
    await expect(consents.emergencyAccess(core.tokenId, provider.address, REASON, HOUR)).to.emit(core.consents, "EmergencyAccessGranted");
    stored = await core.consents.emergencyGrantOf(core.tokenId, provider.address);
    expect([stored.windowStart, stored.windowUsed]).to.deep.equal([start + WINDOW, HOUR]);
  });

  it("ending access early gives no seconds back: end-and-reopen cannot bypass the allowance", async () => {
    const core = await loadFixture(deployCore);
    const { breakGlass, provider, patient } = core.signers;
    const consents = core.consents.connect(breakGlass);
    for (let i = 0; i < 3; i++) {
      await consents.emergencyAccess(core.tokenId, provider.address, REASON, MAX_EMERGENCY_DURATION);
      await core.consents.connect(i % 2 === 0 ? patient : breakGlass).endEmergencyAccess(core.tokenId, provider.address);
    }
    await expect(consents.emergencyAccess(core.tokenId, provider.address, REASON, 60n)).to.be.revertedWithCustomError(
      core.consents,
      "EmergencyAllowanceExceeded",
    );
  });

  /** The core with the patient's delegate named and a second delegate account at hand. */
  async function withDelegate() {
    const core = await deployCore();
    const [delegate, nextDelegate] = (await ethers.getSigners()).slice(12, 14);
    await core.consents.connect(core.signers.patient).setEmergencyDelegate(delegate.address);
    return { core, delegate, nextDelegate };
  }

  it("clearing the delegate ends the grants it opened (no access, no disclosure); the hospital's own grants stay", async () => {
    const { core, delegate } = await loadFixture(withDelegate);
    const { patient, provider, breakGlass, resolver, deployer } = core.signers;
    await core.providers.register(deployer.address, ParticipantKind.Provider, randomKey(), randomKey());
    await core.consents.connect(delegate).emergencyAccess(core.tokenId, provider.address, REASON, HOUR);
    await core.consents.connect(breakGlass).emergencyAccess(core.tokenId, deployer.address, REASON, HOUR);
    expect((await core.consents.emergencyGrantOf(core.tokenId, provider.address)).delegation).to.equal(1n);
    expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.READ, Purpose.EMERGENCY)).to.equal(true);

    await core.consents.connect(patient).setEmergencyDelegate(ZeroAddress);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
    expect(await core.consents.hasEmergencyAccess(core.tokenId, provider.address)).to.equal(false);
    expect((await core.consents.checkDisclosures([{ tokenId: core.tokenId, grantee: provider.address, purpose: Purpose.EMERGENCY, requestHash: ZeroHash }]))[0].status).to.equal(2n);
    await expect(core.consents.connect(resolver).recordDisclosures([{ tokenId: core.tokenId, grantee: provider.address, purpose: Purpose.EMERGENCY, requestHash: ZeroHash }]))
      .to.emit(core.consents, "DisclosureRefused")
      .withArgs(ZeroHash, core.tokenId, provider.address, 2n);
    expect(await core.consents.hasAccessFor(deployer.address, core.tokenId, Scope.READ, Purpose.EMERGENCY)).to.equal(true);
    // Naming the same delegate again does not revive what it opened before.
    await core.consents.connect(patient).setEmergencyDelegate(delegate.address);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
  });

  it("replacing the delegate ends the previous delegate's grants; the new one's grants hold", async () => {
    const { core, delegate, nextDelegate } = await loadFixture(withDelegate);
    const { patient, provider } = core.signers;
    await core.consents.connect(delegate).emergencyAccess(core.tokenId, provider.address, REASON, HOUR);
    await core.consents.connect(patient).setEmergencyDelegate(nextDelegate.address);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
    await expect(core.consents.connect(delegate).emergencyAccess(core.tokenId, provider.address, REASON, HOUR))
      .to.be.revertedWithCustomError(core.consents, "NotAuthorized")
      .withArgs(delegate.address);
    await core.consents.connect(nextDelegate).emergencyAccess(core.tokenId, provider.address, REASON, HOUR);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
  });

  it("deregistering ends the delegate's power and its grants; re-registering does not bring the delegate back", async () => {
    const { core, delegate } = await loadFixture(withDelegate);
    const { patient, provider } = core.signers;
    await core.consents.connect(delegate).emergencyAccess(core.tokenId, provider.address, REASON, HOUR);
    await core.patients.connect(patient).deregister();
    expect(await core.consents.emergencyDelegateOf(patient.address)).to.equal(ZeroAddress);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
    await expect(core.consents.connect(delegate).emergencyAccess(core.tokenId, provider.address, REASON, HOUR))
      .to.be.revertedWithCustomError(core.consents, "NotAuthorized")
      .withArgs(delegate.address);
    await core.patients.connect(patient).register(randomKey());
    expect(await core.consents.emergencyDelegateOf(patient.address)).to.equal(ZeroAddress);
    expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
    await expect(core.consents.connect(delegate).endEmergencyAccess(core.tokenId, provider.address))
      .to.be.revertedWithCustomError(core.consents, "NotAuthorized")
      .withArgs(delegate.address);
  });
});
