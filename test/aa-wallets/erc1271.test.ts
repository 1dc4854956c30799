import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { TypedDataEncoder, Wallet, concat, dataSlice, hexlify, toBeHex } from "ethers";
import { deployWalletsFixture } from "../helpers/wallet-fixture";
import { randomPointer, randomSalt, RECORD_KIND } from "../helpers/fixture";
import { eventsSince, malleate, padded, random32, truncated, withV } from "../helpers/aa-tx";
import { approveRecovery, executeRecovery, proposeRecovery, sendSponsored, setGuardians, signConsentAsAccount } from "../../sdk/wallet";
import { CONSENT_TYPES, type Consent } from "../../sdk/consent/typed-data";
import { ALL_RECORDS, Scope } from "../../sdk/vocabulary";

const ERC1271_MAGIC = "0x1626ba7e";
const ERC1271_INVALID = "0xffffffff";

/** An onboarded patient account that holds one record token, minted by itself through the paymaster. */
async function accountWithRecord() {
  const f = await deployWalletsFixture();
  const owner = f.newOwner();
  const w = { ...(await f.onboard(owner)), owner };
  const pointer = randomPointer();
  const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
  await sendSponsored(f.context, w, [
    { target: await f.records.getAddress(), data: f.records.interface.encodeFunctionData("mint", [w.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND]) },
  ]);
  const [minted] = await eventsSince(f.records, "RecordMinted", fromBlock);
  const tokenId = minted.tokenId as bigint;
  return { f, w, tokenId };
}

type Fixture = Awaited<ReturnType<typeof accountWithRecord>>;

const consentIdOf = ({ f }: Fixture, consent: Consent) => TypedDataEncoder.hash(f.domain, CONSENT_TYPES, consent);

describe("aa-wallets: ERC-1271 consents of a patient account", () => {
  it("accepts a consent for the account's record signed by its owner, relayed by anyone", async () => {
    const fx = await loadFixture(accountWithRecord);
    const { f, w, tokenId } = fx;
    expect(await f.records.patientOf(tokenId)).to.equal(w.address);
    const consent = await f.consentFor({ patient: w.address, tokenId });
    const signature = await signConsentAsAccount(w.owner, f.domain, consent);
    const relayer = f.signers.outsider;
    await expect(f.consents.connect(relayer).grant(consent, signature))
      .to.emit(f.consents, "AccessGranted")
      .withArgs(consentIdOf(fx, consent), w.address, consent.grantee, tokenId, consent.scopes, consent.purpose, consent.expiresAt, consent.metadataId);
    expect(await f.consents.hasAccess(consent.grantee, tokenId, Scope.READ)).to.equal(true);
    expect(await f.consents.isNonceUsed(w.address, consent.nonce)).to.equal(true);
    // the same signature cannot be replayed: the pair's epoch moved on
    await expect(f.consents.connect(relayer).grant(consent, signature))
      .to.be.revertedWithCustomError(f.consents, "StaleConsent")
      .withArgs(consent.epoch + 1n, consent.epoch);
  });

  it("accepts an ALL_RECORDS consent signed by the owner and refuses one signed by any other key (InvalidSignature)", async () => {
    const { f, w } = await loadFixture(accountWithRecord);
    const foreign = await f.consentFor({ patient: w.address, tokenId: ALL_RECORDS, grantee: f.signers.lab.address });
    for (const signer of [Wallet.createRandom(), f.signers.patient, f.signers.relayer]) {
      await expect(f.consents.grant(foreign, await signConsentAsAccount(signer, f.domain, foreign))).to.be.revertedWithCustomError(
        f.consents,
        "InvalidSignature",
      );
    }
    // a malleable twin of the owner's own signature is refused too
    const ownerSignature = await signConsentAsAccount(w.owner, f.domain, foreign);
    await expect(f.consents.grant(foreign, malleate(ownerSignature))).to.be.revertedWithCustomError(f.consents, "InvalidSignature");
    expect(await f.consents.isNonceUsed(w.address, foreign.nonce)).to.equal(false);
    await expect(f.consents.grant(foreign, ownerSignature)).to.emit(f.consents, "AccessGranted");
    expect((await f.consents.grantOf(w.address, ALL_RECORDS, f.signers.lab.address)).scopes).to.equal(BigInt(Scope.READ));
  });

  it("after a recovery, refuses consents signed by the former owner and accepts the new owner's", async () => {
    const { f, w, tokenId } = await loadFixture(accountWithRecord);
    const [g1, g2] = f.guardians;
    await setGuardians(f.context, w, f.guardians.map((g) => g.address), 2);
    const newOwner = f.newOwner();
    await proposeRecovery(g1, w.address, newOwner.address);
    await approveRecovery(g2, w.address, newOwner.address);
    await time.increase(48 * 3600);
    await executeRecovery(f.signers.outsider, w.address, newOwner.address);
    expect(await w.account.owner()).to.equal(newOwner.address);

    const stale = await f.consentFor({ patient: w.address, tokenId });
    await expect(f.consents.grant(stale, await signConsentAsAccount(w.owner, f.domain, stale))).to.be.revertedWithCustomError(
      f.consents,
      "InvalidSignature",
    );
    expect(await f.consents.hasAccess(stale.grantee, tokenId, Scope.READ)).to.equal(false);
    const fresh = await f.consentFor({ patient: w.address, tokenId });
    await expect(f.consents.grant(fresh, await signConsentAsAccount(newOwner, f.domain, fresh))).to.emit(f.consents, "AccessGranted");
    expect(await f.consents.hasAccess(fresh.grantee, tokenId, Scope.READ)).to.equal(true);
  });

  it("isValidSignature answers the magic value for the owner and 0xffffffff, without reverting, for malformed signatures", async () => {
    const { w } = await loadFixture(accountWithRecord);
    const owner = w.owner;
    const hash = random32();
    const good = owner.signingKey.sign(hash).serialized;
    expect(await w.account.isValidSignature(hash, good)).to.equal(ERC1271_MAGIC);
    const bad: Record<string, string> = {
      empty: "0x",
      "64 bytes": truncated(good),
      "66 bytes": padded(good),
      "130 bytes": concat([good, good]),
      malleable: malleate(good),
      "v = 0": withV(good, 0),
      "v = 29": withV(good, 29),
      zeros: hexlify(new Uint8Array(65)),
      random: hexlify(ethers.randomBytes(65)),
      "r = 0": concat([toBeHex(0, 32), dataSlice(good, 32, 64), "0x1b"]),
      "other key": Wallet.createRandom().signingKey.sign(hash).serialized,
      "other hash": owner.signingKey.sign(random32()).serialized,
    };
    for (const [name, signature] of Object.entries(bad)) {
      expect(await w.account.isValidSignature(hash, signature), name).to.equal(ERC1271_INVALID);
    }
  });
});
