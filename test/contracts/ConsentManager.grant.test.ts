import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Signature, TypedDataEncoder, ZeroHash, concat, dataSlice, encodeBytes32String, toBeHex, zeroPadValue } from "ethers";
import { deployCore, randomKey, randomPointer, randomSalt, RECORD_KIND, SAMPLE_METADATA_ID, type Core } from "../helpers/fixture";
import { CONSENT_TYPES, consentDomain, signConsent, type Consent } from "../../sdk/consent/typed-data";
import { ALL_RECORDS, ALL_SCOPES, Scope, Purpose } from "../../sdk/vocabulary";
import { ConsentManager__factory, TestSmartAccount__factory } from "../../sdk/chain/contracts";

/** Order of the secp256k1 group, to build the high-s twin of a signature. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** The EIP-712 digest of `consent` in `core`'s domain: what the contract returns and logs as consentId. */
const digestOf = (core: Core, consent: Consent) => TypedDataEncoder.hash(core.domain, CONSENT_TYPES, consent);

/** Pins the next block's timestamp and returns it, so expiry boundaries can be hit exactly. */
async function pinNextTimestamp(): Promise<bigint> {
  const next = BigInt(await time.latest()) + 10n;
  await time.setNextBlockTimestamp(next);
  return next;
}

/** Mints a second record to the fixture patient and returns its id. */
async function mintAnother(core: Core, to = core.signers.patient): Promise<bigint> {
  const pointer = randomPointer();
  const tx = await core.records.connect(to).mint(to.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND);
  const receipt = await tx.wait();
  const log = receipt!.logs
    .map((l) => {
      try {
        return core.records.interface.parseLog(l);
      } catch {
        return null;
      }
    })
    .find((parsed) => parsed?.name === "RecordMinted");
  return log!.args.tokenId as bigint;
}

/**
 * A TestSmartAccount owned by a fresh EOA, registered as a patient and holding a record minted to itself,
 * both through `execute`.
 */
async function smartAccountPatient(core: Core) {
  const signers = await ethers.getSigners();
  const owner = signers[12];
  const newOwner = signers[13];
  const account = await new TestSmartAccount__factory(owner).deploy(owner.address);
  const accountAddress = await account.getAddress();
  await account.execute(
    await core.patients.getAddress(),
    core.patients.interface.encodeFunctionData("register", [randomKey()]),
  );
  const pointer = randomPointer();
  const salt = randomSalt();
  await account.execute(
    await core.records.getAddress(),
    core.records.interface.encodeFunctionData("mint", [accountAddress, salt, pointer.cid, pointer.contentHash, RECORD_KIND]),
  );
  const tokenId = await core.records.tokenIdFor(accountAddress, accountAddress, salt);
  expect(await core.records.patientOf(tokenId)).to.equal(accountAddress);
  expect(await core.patients.isPatient(accountAddress)).to.equal(true);
  return { account, accountAddress, owner, newOwner, tokenId };
}

describe("ConsentManager.grant", () => {
  describe("happy paths", () => {
    it("stores an EOA-signed consent relayed by a third party and emits AccessGranted with every field", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider, relayer } = core.signers;
      const consent = await core.consentFor({ scopes: Scope.READ | Scope.ANNOTATE });
      const signature = await core.sign(consent);
      const consentId = digestOf(core, consent);

      expect(await core.consents.connect(relayer).grant.staticCall(consent, signature)).to.equal(consentId);
      await expect(core.consents.connect(relayer).grant(consent, signature))
        .to.emit(core.consents, "AccessGranted")
        .withArgs(
          consentId,
          patient.address,
          provider.address,
          core.tokenId,
          Scope.READ | Scope.ANNOTATE,
          Purpose.TREATMENT,
          consent.expiresAt,
          consent.metadataId,
        );

      const stored = await core.consents.grantOf(patient.address, core.tokenId, provider.address);
      expect(stored.scopes).to.equal(Scope.READ | Scope.ANNOTATE);
      expect(stored.expiresAt).to.equal(consent.expiresAt);
      expect(stored.purpose).to.equal(dataSlice(Purpose.TREATMENT, 0, 22));
      expect(await core.consents.isNonceUsed(patient.address, consent.nonce)).to.equal(true);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.ANNOTATE)).to.equal(true);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.APPEND)).to.equal(false);
    });

    it("computes the consentId as the EIP-712 digest of the contract's own domain", async () => {
      const core = await loadFixture(deployCore);
      const consent = await core.consentFor();
      expect(await core.consents.domainSeparator()).to.equal(TypedDataEncoder.hashDomain(core.domain));
      expect(await core.consents.hashConsent(consent)).to.equal(TypedDataEncoder.hashStruct("Consent", CONSENT_TYPES, consent));
    });

    it("accepts the same signed consent from any relayer, including the grantee itself", async () => {
      const core = await loadFixture(deployCore);
      const { provider, lab, outsider } = core.signers;
      const toProvider = await core.consentFor();
      await expect(core.consents.connect(provider).grant(toProvider, await core.sign(toProvider))).to.emit(
        core.consents,
        "AccessGranted",
      );
      const toLab = await core.consentFor({ grantee: lab.address });
      await expect(core.consents.connect(outsider).grant(toLab, await core.sign(toLab))).to.emit(core.consents, "AccessGranted");
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
      expect(await core.consents.hasAccess(lab.address, core.tokenId, Scope.READ)).to.equal(true);
    });

    it("grantDirect stores a consent sent by the patient, without a signature and without using the nonce", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      const consent = await core.consentFor({ scopes: Scope.APPEND });
      await expect(core.consents.connect(patient).grantDirect(consent))
        .to.emit(core.consents, "AccessGranted")
        .withArgs(
          digestOf(core, consent),
          patient.address,
          provider.address,
          core.tokenId,
          Scope.APPEND,
          Purpose.TREATMENT,
          consent.expiresAt,
          consent.metadataId,
        );
      expect(await core.consents.isNonceUsed(patient.address, consent.nonce)).to.equal(false);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.APPEND)).to.equal(true);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
    });

    it("grantDirect from anyone but the patient reverts with NotAuthorized", async () => {
      const core = await loadFixture(deployCore);
      const { provider, relayer } = core.signers;
      const consent = await core.consentFor();
      await expect(core.consents.connect(provider).grantDirect(consent))
        .to.be.revertedWithCustomError(core.consents, "NotAuthorized")
        .withArgs(provider.address);
      await expect(core.consents.connect(relayer).grantDirect(consent))
        .to.be.revertedWithCustomError(core.consents, "NotAuthorized")
        .withArgs(relayer.address);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
    });

    it("grantDirect validates the consent like grant (expired consent is refused)", async () => {
      const core = await loadFixture(deployCore);
      const past = BigInt(await time.latest()) - 1n;
      const consent = await core.consentFor({ expiresAt: past });
      await expect(core.consents.connect(core.signers.patient).grantDirect(consent))
        .to.be.revertedWithCustomError(core.consents, "ConsentExpired")
        .withArgs(past);
    });

    it("an ALL_RECORDS consent covers every record of the patient, including records minted later, and nobody else's", async () => {
      const core = await loadFixture(deployCore);
      const { patient, patient2, provider } = core.signers;
      const consent = await core.consentFor({ tokenId: ALL_RECORDS, scopes: Scope.READ | Scope.APPEND });
      await expect(core.consents.grant(consent, await core.sign(consent)))
        .to.emit(core.consents, "AccessGranted")
        .withArgs(
          digestOf(core, consent),
          patient.address,
          provider.address,
          ALL_RECORDS,
          Scope.READ | Scope.APPEND,
          Purpose.TREATMENT,
          consent.expiresAt,
          consent.metadataId,
        );
      const later = await mintAnother(core);
      const otherPatients = await mintAnother(core, patient2);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(true);
      expect(await core.consents.hasAccess(provider.address, later, Scope.READ | Scope.APPEND)).to.equal(true);
      expect(await core.consents.hasAccess(provider.address, otherPatients, Scope.READ)).to.equal(false);
      expect(await core.consents.canAppend(provider.address, patient.address)).to.equal(true);
      expect(await core.consents.canAppend(provider.address, patient2.address)).to.equal(false);
      // ALL_RECORDS is not itself a record.
      expect(await core.consents.hasAccess(provider.address, ALL_RECORDS, Scope.READ)).to.equal(false);
    });

    it("a new consent for the same (patient, token, grantee) replaces the previous one entirely", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      const first = await core.consentFor({ scopes: ALL_SCOPES });
      await core.consents.grant(first, await core.sign(first));
      expect(await core.consents.hasAccess(provider.address, core.tokenId, ALL_SCOPES)).to.equal(true);

      const second = await core.consentFor({
        scopes: Scope.APPEND,
        purpose: Purpose.RESEARCH,
        expiresAt: first.expiresAt + 1000n,
      });
      await expect(core.consents.grant(second, await core.sign(second)))
        .to.emit(core.consents, "AccessGranted")
        .withArgs(
          digestOf(core, second),
          patient.address,
          provider.address,
          core.tokenId,
          Scope.APPEND,
          Purpose.RESEARCH,
          second.expiresAt,
          second.metadataId,
        );
      const stored = await core.consents.grantOf(patient.address, core.tokenId, provider.address);
      expect(stored.scopes).to.equal(Scope.APPEND);
      expect(stored.purpose).to.equal(dataSlice(Purpose.RESEARCH, 0, 22));
      expect(stored.expiresAt).to.equal(second.expiresAt);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.APPEND)).to.equal(true);
      expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.APPEND, Purpose.TREATMENT)).to.equal(false);
      expect(await core.consents.hasAccessFor(provider.address, core.tokenId, Scope.APPEND, Purpose.RESEARCH)).to.equal(true);
    });

    it("hasAccess requires every requested scope bit", async () => {
      const core = await loadFixture(deployCore);
      const { provider } = core.signers;
      const consent = await core.consentFor({ scopes: Scope.READ | Scope.APPEND });
      await core.consents.grant(consent, await core.sign(consent));
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ | Scope.APPEND)).to.equal(true);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.ANNOTATE)).to.equal(false);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, ALL_SCOPES)).to.equal(false);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, 0)).to.equal(false);
    });

    it("accepts every non-resolver participant kind as grantee (lab, insurer, researcher)", async () => {
      const core = await loadFixture(deployCore);
      for (const grantee of [core.signers.lab, core.signers.insurer, core.signers.researcher]) {
        const consent = await core.consentFor({ grantee: grantee.address });
        await expect(core.consents.grant(consent, await core.sign(consent))).to.emit(core.consents, "AccessGranted");
        expect(await core.consents.hasAccess(grantee.address, core.tokenId, Scope.READ)).to.equal(true);
      }
    });
  });

  describe("ERC-1271 smart-account patients", () => {
    it("accepts a consent signed by the smart account's owner", async () => {
      const core = await loadFixture(deployCore);
      const { provider } = core.signers;
      const sa = await smartAccountPatient(core);
      const consent = await core.consentFor({ patient: sa.accountAddress, tokenId: sa.tokenId });
      const signature = await signConsent(sa.owner, core.domain, consent);
      await expect(core.consents.grant(consent, signature))
        .to.emit(core.consents, "AccessGranted")
        .withArgs(
          digestOf(core, consent),
          sa.accountAddress,
          provider.address,
          sa.tokenId,
          Scope.READ,
          Purpose.TREATMENT,
          consent.expiresAt,
          consent.metadataId,
        );
      expect(await core.consents.hasAccess(provider.address, sa.tokenId, Scope.READ)).to.equal(true);
      expect(await core.consents.isNonceUsed(sa.accountAddress, consent.nonce)).to.equal(true);
    });

    it("accepts a patient-wide consent of a smart-account patient", async () => {
      const core = await loadFixture(deployCore);
      const sa = await smartAccountPatient(core);
      const consent = await core.consentFor({ patient: sa.accountAddress, tokenId: ALL_RECORDS, scopes: Scope.APPEND });
      await core.consents.grant(consent, await signConsent(sa.owner, core.domain, consent));
      expect(await core.consents.canAppend(core.signers.provider.address, sa.accountAddress)).to.equal(true);
    });

    it("rejects the signature when the account answers a wrong magic value (misbehaving)", async () => {
      const core = await loadFixture(deployCore);
      const sa = await smartAccountPatient(core);
      await sa.account.setMisbehaving(true);
      const consent = await core.consentFor({ patient: sa.accountAddress, tokenId: sa.tokenId });
      await expect(
        core.consents.grant(consent, await signConsent(sa.owner, core.domain, consent)),
      ).to.be.revertedWithCustomError(core.consents, "InvalidSignature");
      expect(await core.consents.isNonceUsed(sa.accountAddress, consent.nonce)).to.equal(false);
      expect(await core.consents.hasAccess(core.signers.provider.address, sa.tokenId, Scope.READ)).to.equal(false);
    });

    it("rejects a signature of the former owner after setOwner and accepts the new owner's", async () => {
      const core = await loadFixture(deployCore);
      const sa = await smartAccountPatient(core);
      await sa.account.connect(sa.owner).setOwner(sa.newOwner.address);
      const consent = await core.consentFor({ patient: sa.accountAddress, tokenId: sa.tokenId });
      await expect(
        core.consents.grant(consent, await signConsent(sa.owner, core.domain, consent)),
      ).to.be.revertedWithCustomError(core.consents, "InvalidSignature");
      await expect(core.consents.grant(consent, await signConsent(sa.newOwner, core.domain, consent))).to.emit(
        core.consents,
        "AccessGranted",
      );
    });

    it("rejects a smart-account consent signed by an unrelated key", async () => {
      const core = await loadFixture(deployCore);
      const sa = await smartAccountPatient(core);
      const consent = await core.consentFor({ patient: sa.accountAddress, tokenId: sa.tokenId });
      await expect(
        core.consents.grant(consent, await signConsent(core.signers.outsider, core.domain, consent)),
      ).to.be.revertedWithCustomError(core.consents, "InvalidSignature");
    });
  });

  describe("attacks and invalid consents", () => {
    it("refuses to replay a consent: the second submission reverts (the pair's epoch moved on)", async () => {
      const core = await loadFixture(deployCore);
      const consent = await core.consentFor();
      const signature = await core.sign(consent);
      await core.consents.grant(consent, signature);
      await expect(core.consents.connect(core.signers.outsider).grant(consent, signature))
        .to.be.revertedWithCustomError(core.consents, "StaleConsent")
        .withArgs(consent.epoch + 1n, consent.epoch);
    });

    it("refuses a used nonce even at the pair's current epoch (NonceAlreadyUsed)", async () => {
      const core = await loadFixture(deployCore);
      const first = await core.consentFor();
      await core.consents.grant(first, await core.sign(first));
      const reused = await core.consentFor({ nonce: first.nonce, scopes: ALL_SCOPES });
      expect(reused.epoch).to.equal(first.epoch + 1n);
      await expect(core.consents.grant(reused, await core.sign(reused)))
        .to.be.revertedWithCustomError(core.consents, "NonceAlreadyUsed")
        .withArgs(core.signers.patient.address, first.nonce);
    });

    it("cannot undo a revocation by replaying the original consent", async () => {
      const core = await loadFixture(deployCore);
      const { patient, provider } = core.signers;
      const consent = await core.consentFor();
      const signature = await core.sign(consent);
      await core.consents.grant(consent, signature);
      await core.consents.connect(patient).revoke(core.tokenId, provider.address);
      await expect(core.consents.grant(consent, signature))
        .to.be.revertedWithCustomError(core.consents, "StaleConsent")
        .withArgs(consent.epoch + 2n, consent.epoch);
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
    });

    it("a nonce invalidated by the patient can no longer be used", async () => {
      const core = await loadFixture(deployCore);
      const { patient } = core.signers;
      const consent = await core.consentFor();
      const signature = await core.sign(consent);
      await expect(core.consents.connect(patient).invalidateNonce(consent.nonce))
        .to.emit(core.consents, "NonceInvalidated")
        .withArgs(patient.address, consent.nonce);
      expect(await core.consents.isNonceUsed(patient.address, consent.nonce)).to.equal(true);
      await expect(core.consents.grant(consent, signature))
        .to.be.revertedWithCustomError(core.consents, "NonceAlreadyUsed")
        .withArgs(patient.address, consent.nonce);
      await expect(core.consents.connect(patient).invalidateNonce(consent.nonce))
        .to.be.revertedWithCustomError(core.consents, "NonceAlreadyUsed")
        .withArgs(patient.address, consent.nonce);
    });

    it("keeps nonces per patient and per bit: neighbouring nonces and other patients are unaffected", async () => {
      const core = await loadFixture(deployCore);
      const { patient, patient2 } = core.signers;
      await core.consents.connect(patient).invalidateNonce(256n);
      expect(await core.consents.isNonceUsed(patient.address, 256n)).to.equal(true);
      expect(await core.consents.isNonceUsed(patient.address, 0n)).to.equal(false);
      expect(await core.consents.isNonceUsed(patient.address, 255n)).to.equal(false);
      expect(await core.consents.isNonceUsed(patient.address, 257n)).to.equal(false);
      expect(await core.consents.isNonceUsed(patient2.address, 256n)).to.equal(false);
      const consent = await core.consentFor({ nonce: 0n });
      await expect(core.consents.grant(consent, await core.sign(consent))).to.emit(core.consents, "AccessGranted");
      // A huge nonce (top word of the bitmap) works as well.
      const high = await core.consentFor({ nonce: (1n << 256n) - 1n, grantee: core.signers.lab.address });
      await expect(core.consents.grant(high, await core.sign(high))).to.emit(core.consents, "AccessGranted");
      const again = await core.consentFor({ nonce: high.nonce, grantee: core.signers.lab.address });
      await expect(core.consents.grant(again, await core.sign(again))).to.be.revertedWithCustomError(
        core.consents,
        "NonceAlreadyUsed",
      );
    });

    it("rejects a consent signed for another chain id (cross-chain replay)", async () => {
      const core = await loadFixture(deployCore);
      const consent = await core.consentFor();
      const otherChain = { ...core.domain, chainId: core.chainId + 1n };
      await expect(core.consents.grant(consent, await core.sign(consent, core.signers.patient, otherChain))).to.be.revertedWithCustomError(
        core.consents,
        "InvalidSignature",
      );
      expect(await core.consents.isNonceUsed(core.signers.patient.address, consent.nonce)).to.equal(false);
      // The very same consent signed for this chain goes through.
      await expect(core.consents.grant(consent, await core.sign(consent))).to.emit(core.consents, "AccessGranted");
    });

    it("rejects a consent signed for another ConsentManager deployment (cross-contract replay), both ways", async () => {
      const core = await loadFixture(deployCore);
      const { deployer, provider } = core.signers;
      const second = await new ConsentManager__factory(deployer).deploy(
        deployer.address,
        await core.patients.getAddress(),
        await core.providers.getAddress(),
      );
      await second.setRecordToken(await core.records.getAddress());
      const secondDomain = consentDomain(core.chainId, await second.getAddress());

      const consent = await core.consentFor();
      const forFirst = await core.sign(consent);
      const forSecond = await core.sign(consent, core.signers.patient, secondDomain);

      await expect(second.grant(consent, forFirst)).to.be.revertedWithCustomError(second, "InvalidSignature");
      await expect(core.consents.grant(consent, forSecond)).to.be.revertedWithCustomError(core.consents, "InvalidSignature");
      // Each deployment accepts the signature made for it, so only the domain made the difference.
      await expect(second.grant(consent, forSecond)).to.emit(second, "AccessGranted");
      expect(await core.consents.hasAccess(provider.address, core.tokenId, Scope.READ)).to.equal(false);
      await expect(core.consents.grant(consent, forFirst)).to.emit(core.consents, "AccessGranted");
    });

    it("rejects an already expired consent with ConsentExpired", async () => {
      const core = await loadFixture(deployCore);
      const past = BigInt(await time.latest()) - 3600n;
      const consent = await core.consentFor({ expiresAt: past });
      await expect(core.consents.grant(consent, await core.sign(consent)))
        .to.be.revertedWithCustomError(core.consents, "ConsentExpired")
        .withArgs(past);
    });

    it("rejects a consent expiring exactly in the block that submits it, and accepts one second later", async () => {
      const core = await loadFixture(deployCore);
      const atBoundary = await core.consentFor();
      const ts = await pinNextTimestamp();
      atBoundary.expiresAt = ts;
      await expect(core.consents.grant(atBoundary, await core.sign(atBoundary)))
        .to.be.revertedWithCustomError(core.consents, "ConsentExpired")
        .withArgs(ts);

      const justLive = await core.consentFor();
      const ts2 = await pinNextTimestamp();
      justLive.expiresAt = ts2 + 1n;
      await expect(core.consents.grant(justLive, await core.sign(justLive))).to.emit(core.consents, "AccessGranted");
      // Live in the block it was granted in, dead from its expiry second on.
      expect(await core.consents.hasAccess(core.signers.provider.address, core.tokenId, Scope.READ)).to.equal(true);
      await time.increaseTo(ts2 + 1n);
      expect(await core.consents.hasAccess(core.signers.provider.address, core.tokenId, Scope.READ)).to.equal(false);
    });

    it("rejects a consent signed by someone other than the patient", async () => {
      const core = await loadFixture(deployCore);
      const consent = await core.consentFor();
      for (const impostor of [core.signers.provider, core.signers.patient2, core.signers.deployer]) {
        await expect(core.consents.grant(consent, await core.sign(consent, impostor))).to.be.revertedWithCustomError(
          core.consents,
          "InvalidSignature",
        );
      }
      expect(await core.consents.hasAccess(core.signers.provider.address, core.tokenId, Scope.READ)).to.equal(false);
    });

    const tamperings: Array<[string, (c: Consent, core: Core) => Promise<Partial<Consent>> | Partial<Consent>]> = [
      ["grantee", (_c, core) => ({ grantee: core.signers.lab.address })],
      ["tokenId", async (_c, core) => ({ tokenId: await mintAnother(core) })],
      // (the epoch is moved along to the patient-wide pair's, so that only the signature can refuse it)
      ["tokenId (widened to ALL_RECORDS)", async (c, core) => ({ tokenId: ALL_RECORDS, epoch: await core.consents.consentEpochOf(c.patient, ALL_RECORDS, c.grantee) })],
      ["scopes", () => ({ scopes: ALL_SCOPES })],
      ["purpose", () => ({ purpose: Purpose.RESEARCH })],
      ["expiresAt", (c) => ({ expiresAt: c.expiresAt + 365n * 86_400n })],
      ["nonce", (c) => ({ nonce: c.nonce + 1000n })],
      ["metadataId", () => ({ metadataId: SAMPLE_METADATA_ID })],
    ];
    for (const [field, tamper] of tamperings) {
      it(`rejects a consent whose ${field} was changed after signing`, async () => {
        const core = await loadFixture(deployCore);
        const consent = await core.consentFor();
        const signature = await core.sign(consent);
        const tampered = { ...consent, ...(await tamper(consent, core)) };
        await expect(core.consents.grant(tampered, signature)).to.be.revertedWithCustomError(core.consents, "InvalidSignature");
        // The untampered consent is still good, so the signature itself was valid.
        await expect(core.consents.grant(consent, signature)).to.emit(core.consents, "AccessGranted");
      });
    }

    it("rejects zero scopes and scopes with undefined bits with InvalidScopes", async () => {
      const core = await loadFixture(deployCore);
      for (const scopes of [0, 8, 9, 0x80, 0xff]) {
        const consent = await core.consentFor({ scopes });
        await expect(core.consents.grant(consent, await core.sign(consent)))
          .to.be.revertedWithCustomError(core.consents, "InvalidScopes")
          .withArgs(scopes);
      }
    });

    it("rejects a zero purpose and a purpose longer than 22 bytes with InvalidPurpose; 22 bytes is accepted", async () => {
      const core = await loadFixture(deployCore);
      const tooLong = encodeBytes32String("ABCDEFGHIJKLMNOPQRSTUVW"); // 23 bytes
      const lastByteOnly = zeroPadValue("0x01", 32);
      for (const purpose of [ZeroHash, tooLong, lastByteOnly]) {
        const consent = await core.consentFor({ purpose });
        await expect(core.consents.grant(consent, await core.sign(consent)))
          .to.be.revertedWithCustomError(core.consents, "InvalidPurpose")
          .withArgs(purpose);
      }
      const longest = encodeBytes32String("ABCDEFGHIJKLMNOPQRSTUV"); // 22 bytes
      const ok = await core.consentFor({ purpose: longest });
      await expect(core.consents.grant(ok, await core.sign(ok)))
        .to.emit(core.consents, "AccessGranted")
        .withArgs(digestOf(core, ok), ok.patient, ok.grantee, ok.tokenId, ok.scopes, longest, ok.expiresAt, ok.metadataId);
      expect(await core.consents.hasAccessFor(ok.grantee, core.tokenId, Scope.READ, longest)).to.equal(true);
    });

    it("rejects a consent on a token that does not exist with UnknownToken", async () => {
      const core = await loadFixture(deployCore);
      const consent = await core.consentFor({ tokenId: 999n });
      await expect(core.consents.grant(consent, await core.sign(consent)))
        .to.be.revertedWithCustomError(core.consents, "UnknownToken")
        .withArgs(999n);
    });

    it("rejects a consent on someone else's record with NotRecordPatient, even when signed by the signer named as patient", async () => {
      const core = await loadFixture(deployCore);
      const { patient2 } = core.signers;
      const consent = await core.consentFor({ patient: patient2.address });
      await expect(core.consents.grant(consent, await core.sign(consent, patient2)))
        .to.be.revertedWithCustomError(core.consents, "NotRecordPatient")
        .withArgs(core.tokenId, patient2.address);
      await expect(core.consents.connect(patient2).grantDirect(consent))
        .to.be.revertedWithCustomError(core.consents, "NotRecordPatient")
        .withArgs(core.tokenId, patient2.address);
    });

    it("rejects a consent to a suspended provider with InactiveGrantee, and accepts it after reinstatement", async () => {
      const core = await loadFixture(deployCore);
      const { provider } = core.signers;
      await core.providers.suspend(provider.address, randomKey());
      const consent = await core.consentFor();
      const signature = await core.sign(consent);
      await expect(core.consents.grant(consent, signature))
        .to.be.revertedWithCustomError(core.consents, "InactiveGrantee")
        .withArgs(provider.address);
      await core.providers.reinstate(provider.address);
      await expect(core.consents.grant(consent, signature)).to.emit(core.consents, "AccessGranted");
    });

    it("rejects a consent to a Resolver-kind participant or an unregistered address with InactiveGrantee", async () => {
      const core = await loadFixture(deployCore);
      for (const grantee of [core.signers.resolver.address, core.signers.outsider.address, core.signers.patient2.address]) {
        const consent = await core.consentFor({ grantee });
        await expect(core.consents.grant(consent, await core.sign(consent)))
          .to.be.revertedWithCustomError(core.consents, "InactiveGrantee")
          .withArgs(grantee);
      }
    });

    it("rejects an ALL_RECORDS consent of an unregistered patient with NotAPatient", async () => {
      const core = await loadFixture(deployCore);
      const { outsider } = core.signers;
      const consent = await core.consentFor({ patient: outsider.address, tokenId: ALL_RECORDS });
      await expect(core.consents.grant(consent, await core.sign(consent, outsider)))
        .to.be.revertedWithCustomError(core.consents, "NotAPatient")
        .withArgs(outsider.address);
      await expect(core.consents.connect(outsider).grantDirect(consent))
        .to.be.revertedWithCustomError(core.consents, "NotAPatient")
        .withArgs(outsider.address);
    });

    it("rejects malformed signatures (empty, 64 bytes, 66 bytes, garbage) with InvalidSignature", async () => {
      const core = await loadFixture(deployCore);
      const consent = await core.consentFor();
      const good = await core.sign(consent);
      const compact = Signature.from(good).compactSerialized; // ERC-2098, 64 bytes
      const malformed = ["0x", compact, concat([good, "0x00"]), dataSlice(good, 0, 64), "0x" + "11".repeat(65)];
      for (const signature of malformed) {
        await expect(core.consents.grant(consent, signature)).to.be.revertedWithCustomError(core.consents, "InvalidSignature");
      }
      await expect(core.consents.grant(consent, good)).to.emit(core.consents, "AccessGranted");
    });

    it("rejects the malleable high-s twin of a valid signature", async () => {
      const core = await loadFixture(deployCore);
      const consent = await core.consentFor();
      const sig = Signature.from(await core.sign(consent));
      const highS = toBeHex(SECP256K1_N - BigInt(sig.s), 32);
      const flippedV = sig.v === 27 ? "0x1c" : "0x1b";
      const twin = concat([sig.r, highS, flippedV]);
      await expect(core.consents.grant(consent, twin)).to.be.revertedWithCustomError(core.consents, "InvalidSignature");
    });
  });
});
