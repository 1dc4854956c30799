import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, concat, hexlify, randomBytes, type Signer } from "ethers";
import { deployCore, randomPointer, randomKey, RECORD_KIND, type Core } from "../helpers/fixture";
import { ALL_RECORDS, Scope } from "../../sdk/vocabulary";
import { recordTokenDomain, signRecordUpdate } from "../../sdk/chain/record-attestation";

const ERC5192_ID = "0xb45a3c0e";
const ERC721_ID = "0x80ac58cd";
const ERC165_ID = "0x01ffc9a7";

/** The patient of the fixture grants `grantee` the given scopes over all records (or one token). */
async function grantScopes(core: Core, grantee: string, scopes: number, tokenId: bigint = ALL_RECORDS, ttl = 86_400n) {
  const consent = await core.consentFor({ grantee, scopes, tokenId, expiresAt: BigInt(await time.latest()) + ttl });
  await core.consents.grant(consent, await core.sign(consent));
}

/** Signs and sends an update of `tokenId` as `issuer`. */
async function attestedUpdate(core: Core, issuer: Signer, tokenId: bigint, version: bigint, signer: Signer = issuer) {
  const pointer = randomPointer();
  const domain = recordTokenDomain(core.chainId, await core.records.getAddress());
  const attestation = await signRecordUpdate(signer, domain, { tokenId, ...pointer, version });
  return { pointer, attestation, tx: core.records.connect(issuer).update(tokenId, pointer.cid, pointer.contentHash, attestation) };
}

describe("RecordToken", () => {
  describe("mint", () => {
    it("mints to the patient itself with pointer, kind, issuer and version 1", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers } = core;
      const pointer = randomPointer();
      await expect(records.connect(signers.patient).mint(signers.patient.address, pointer.cid, pointer.contentHash, RECORD_KIND))
        .to.emit(records, "RecordMinted")
        .withArgs(2n, signers.patient.address, signers.patient.address, pointer.cid, pointer.contentHash, RECORD_KIND)
        .and.to.emit(records, "Locked")
        .withArgs(2n)
        .and.to.emit(records, "Transfer")
        .withArgs(ZeroAddress, signers.patient.address, 2n);
      const record = await records.recordOf(2n);
      expect(record.cid).to.equal(pointer.cid);
      expect(record.contentHash).to.equal(pointer.contentHash);
      expect(record.recordKind).to.equal(RECORD_KIND);
      expect(record.issuer).to.equal(signers.patient.address);
      expect(record.version).to.equal(1n);
      expect(await records.patientOf(2n)).to.equal(signers.patient.address);
      expect(await records.balanceOf(signers.patient.address)).to.equal(2n);
    });

    it("announces the next token id, which advances with every mint and never goes back", async () => {
      const { records, signers } = await loadFixture(deployCore);
      expect(await records.nextTokenId()).to.equal(2n);
      const pointer = randomPointer();
      await records.connect(signers.patient).mint(signers.patient.address, pointer.cid, pointer.contentHash, RECORD_KIND);
      expect(await records.nextTokenId()).to.equal(3n);
      await records.connect(signers.patient).burn(2n);
      expect(await records.nextTokenId()).to.equal(3n);
    });

    it("refuses an account that is not a registered patient", async () => {
      const { records, signers } = await loadFixture(deployCore);
      const pointer = randomPointer();
      await expect(records.connect(signers.outsider).mint(signers.outsider.address, pointer.cid, pointer.contentHash, RECORD_KIND))
        .to.be.revertedWithCustomError(records, "NotAPatient")
        .withArgs(signers.outsider.address);
    });

    it("refuses a patient that deregistered", async () => {
      const { records, patients, signers } = await loadFixture(deployCore);
      await patients.connect(signers.patient).deregister();
      const pointer = randomPointer();
      await expect(
        records.connect(signers.patient).mint(signers.patient.address, pointer.cid, pointer.contentHash, RECORD_KIND),
      ).to.be.revertedWithCustomError(records, "NotAPatient");
    });

    it("refuses an outsider minting for a patient", async () => {
      const { records, signers } = await loadFixture(deployCore);
      const pointer = randomPointer();
      await expect(records.connect(signers.outsider).mint(signers.patient.address, pointer.cid, pointer.contentHash, RECORD_KIND))
        .to.be.revertedWithCustomError(records, "UnauthorizedIssuer")
        .withArgs(signers.outsider.address);
    });

    it("refuses APPEND without consent: a provider with no consent, READ only, or APPEND on one token only", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers } = core;
      const pointer = randomPointer();
      const mintAsProvider = () =>
        records.connect(signers.provider).mint(signers.patient.address, pointer.cid, pointer.contentHash, RECORD_KIND);
      await expect(mintAsProvider()).to.be.revertedWithCustomError(records, "UnauthorizedIssuer");
      await grantScopes(core, signers.provider.address, Scope.READ);
      await expect(mintAsProvider()).to.be.revertedWithCustomError(records, "UnauthorizedIssuer");
      await grantScopes(core, signers.provider.address, Scope.APPEND, core.tokenId);
      await expect(mintAsProvider()).to.be.revertedWithCustomError(records, "UnauthorizedIssuer");
    });

    it("lets a provider and a lab with a patient-wide APPEND consent issue records", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers } = core;
      for (const issuer of [signers.provider, signers.lab]) {
        await grantScopes(core, issuer.address, Scope.APPEND | Scope.READ);
        const pointer = randomPointer();
        await expect(records.connect(issuer).mint(signers.patient.address, pointer.cid, pointer.contentHash, RECORD_KIND))
          .to.emit(records, "RecordMinted")
          .withArgs((v: bigint) => v > 1n, signers.patient.address, issuer.address, pointer.cid, pointer.contentHash, RECORD_KIND);
      }
      expect(await records.balanceOf(signers.patient.address)).to.equal(3n);
    });

    it("refuses an insurer or researcher even with APPEND consent", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers } = core;
      for (const issuer of [signers.insurer, signers.researcher]) {
        await grantScopes(core, issuer.address, Scope.APPEND);
        const pointer = randomPointer();
        await expect(
          records.connect(issuer).mint(signers.patient.address, pointer.cid, pointer.contentHash, RECORD_KIND),
        ).to.be.revertedWithCustomError(records, "UnauthorizedIssuer");
      }
    });

    it("refuses a provider whose APPEND consent expired or who was suspended", async () => {
      const core = await loadFixture(deployCore);
      const { records, providers, signers } = core;
      await grantScopes(core, signers.provider.address, Scope.APPEND, ALL_RECORDS, 100n);
      const pointer = randomPointer();
      const mint = () => records.connect(signers.provider).mint(signers.patient.address, pointer.cid, pointer.contentHash, RECORD_KIND);
      await providers.suspend(signers.provider.address, ZeroHash);
      await expect(mint()).to.be.revertedWithCustomError(records, "UnauthorizedIssuer");
      await providers.reinstate(signers.provider.address);
      await expect(mint()).to.emit(records, "RecordMinted");
      await time.increase(200);
      await expect(mint()).to.be.revertedWithCustomError(records, "UnauthorizedIssuer");
    });

    it("rejects malformed CIDs and a zero content hash", async () => {
      const { records, signers } = await loadFixture(deployCore);
      const { contentHash } = randomPointer();
      const mint = (cid: string, hash = contentHash) =>
        records.connect(signers.patient).mint(signers.patient.address, cid, hash, RECORD_KIND);
      await expect(mint("0x")).to.be.revertedWithCustomError(records, "InvalidCid");
      await expect(mint("0x015512")).to.be.revertedWithCustomError(records, "InvalidCid");
      await expect(mint(concat(["0x00551220", contentHash]))).to.be.revertedWithCustomError(records, "InvalidCid");
      await expect(mint(concat(["0x01", hexlify(randomBytes(128))]))).to.be.revertedWithCustomError(records, "InvalidCid");
      await expect(mint(randomPointer().cid, ZeroHash)).to.be.revertedWithCustomError(records, "InvalidContentHash");
    });
  });

  describe("soulbound (ERC-5192)", () => {
    it("reports locked for existing tokens and reverts for unknown ones", async () => {
      const { records, tokenId } = await loadFixture(deployCore);
      expect(await records.locked(tokenId)).to.equal(true);
      await expect(records.locked(99n)).to.be.revertedWithCustomError(records, "ERC721NonexistentToken").withArgs(99n);
    });

    it("supports the ERC-5192, ERC-721 and ERC-165 interface ids only", async () => {
      const { records } = await loadFixture(deployCore);
      expect(await records.supportsInterface(ERC5192_ID)).to.equal(true);
      expect(await records.supportsInterface(ERC721_ID)).to.equal(true);
      expect(await records.supportsInterface(ERC165_ID)).to.equal(true);
      expect(await records.supportsInterface("0xffffffff")).to.equal(false);
    });

    it("reverts every transfer, even by the patient", async () => {
      const { records, signers, tokenId } = await loadFixture(deployCore);
      const asPatient = records.connect(signers.patient);
      await expect(asPatient.transferFrom(signers.patient.address, signers.outsider.address, tokenId))
        .to.be.revertedWithCustomError(records, "SoulboundTransfer")
        .withArgs(tokenId);
      await expect(
        asPatient["safeTransferFrom(address,address,uint256)"](signers.patient.address, signers.outsider.address, tokenId),
      ).to.be.revertedWithCustomError(records, "SoulboundTransfer");
      await expect(
        asPatient["safeTransferFrom(address,address,uint256,bytes)"](signers.patient.address, signers.outsider.address, tokenId, "0x"),
      ).to.be.revertedWithCustomError(records, "SoulboundTransfer");
      await expect(
        records.connect(signers.outsider).transferFrom(signers.patient.address, signers.outsider.address, tokenId),
      ).to.be.revertedWithCustomError(records, "SoulboundTransfer");
      expect(await records.ownerOf(tokenId)).to.equal(signers.patient.address);
    });

    it("reverts every approval", async () => {
      const { records, signers, tokenId } = await loadFixture(deployCore);
      await expect(records.connect(signers.patient).approve(signers.outsider.address, tokenId)).to.be.revertedWithCustomError(
        records,
        "SoulboundApproval",
      );
      await expect(records.connect(signers.patient).setApprovalForAll(signers.outsider.address, true)).to.be.revertedWithCustomError(
        records,
        "SoulboundApproval",
      );
      expect(await records.getApproved(tokenId)).to.equal(ZeroAddress);
      expect(await records.isApprovedForAll(signers.patient.address, signers.outsider.address)).to.equal(false);
    });
  });

  describe("update", () => {
    it("lets the patient update with its attestation: version + 1 and DataUpdated", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers, tokenId } = core;
      const { pointer, attestation, tx } = await attestedUpdate(core, signers.patient, tokenId, 2n);
      await expect(tx)
        .to.emit(records, "DataUpdated")
        .withArgs(tokenId, pointer.cid, pointer.contentHash, signers.patient.address, 2n, attestation);
      const record = await records.recordOf(tokenId);
      expect(record.version).to.equal(2n);
      expect(record.cid).to.equal(pointer.cid);
      expect(record.contentHash).to.equal(pointer.contentHash);
      expect(record.recordKind).to.equal(RECORD_KIND);
    });

    it("lets a provider holding APPEND on the token update it", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers, tokenId } = core;
      await grantScopes(core, signers.provider.address, Scope.APPEND, tokenId);
      const { tx } = await attestedUpdate(core, signers.provider, tokenId, 2n);
      await expect(tx).to.emit(records, "DataUpdated");
      expect((await records.recordOf(tokenId)).issuer).to.equal(signers.provider.address);
    });

    it("refuses an update by a non-issuer: outsider, READ-only provider, revoked provider", async () => {
      const core = await loadFixture(deployCore);
      const { records, consents, signers, tokenId } = core;
      let update = await attestedUpdate(core, signers.outsider, tokenId, 2n);
      await expect(update.tx).to.be.revertedWithCustomError(records, "UnauthorizedIssuer").withArgs(signers.outsider.address);
      await grantScopes(core, signers.provider.address, Scope.READ, tokenId);
      update = await attestedUpdate(core, signers.provider, tokenId, 2n);
      await expect(update.tx).to.be.revertedWithCustomError(records, "UnauthorizedIssuer");
      await grantScopes(core, signers.provider.address, Scope.APPEND, tokenId);
      await consents.connect(signers.patient).revoke(tokenId, signers.provider.address);
      update = await attestedUpdate(core, signers.provider, tokenId, 2n);
      await expect(update.tx).to.be.revertedWithCustomError(records, "UnauthorizedIssuer");
      expect((await records.recordOf(tokenId)).version).to.equal(1n);
    });

    it("rejects an attestation signed by someone other than the sender", async () => {
      const core = await loadFixture(deployCore);
      const { tx } = await attestedUpdate(core, core.signers.patient, core.tokenId, 2n, core.signers.outsider);
      await expect(tx).to.be.revertedWithCustomError(core.records, "InvalidAttestation");
    });

    it("rejects an attestation for the wrong version, so an old one cannot be replayed", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers, tokenId } = core;
      const first = await attestedUpdate(core, signers.patient, tokenId, 2n);
      await first.tx;
      await expect(
        records.connect(signers.patient).update(tokenId, first.pointer.cid, first.pointer.contentHash, first.attestation),
      ).to.be.revertedWithCustomError(records, "InvalidAttestation");
      const skipped = await attestedUpdate(core, signers.patient, tokenId, 4n);
      await expect(skipped.tx).to.be.revertedWithCustomError(records, "InvalidAttestation");
    });

    it("rejects an attestation made for another RecordToken deployment or chain", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers, tokenId } = core;
      const pointer = randomPointer();
      const update = { tokenId, ...pointer, version: 2n };
      const otherContract = recordTokenDomain(core.chainId, signers.outsider.address);
      const otherChain = recordTokenDomain(core.chainId + 1n, await records.getAddress());
      for (const domain of [otherContract, otherChain]) {
        const attestation = await signRecordUpdate(signers.patient, domain, update);
        await expect(
          records.connect(signers.patient).update(tokenId, pointer.cid, pointer.contentHash, attestation),
        ).to.be.revertedWithCustomError(records, "InvalidAttestation");
      }
    });

    it("rejects an update of an unknown token and a malformed pointer", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers, tokenId } = core;
      await expect(records.connect(signers.patient).update(77n, randomPointer().cid, randomPointer().contentHash, "0x"))
        .to.be.revertedWithCustomError(records, "ERC721NonexistentToken")
        .withArgs(77n);
      await expect(
        records.connect(signers.patient).update(tokenId, "0x1234", randomPointer().contentHash, "0x"),
      ).to.be.revertedWithCustomError(records, "InvalidCid");
    });

    it("accepts an ERC-1271 attestation from a smart-account patient", async () => {
      const core = await loadFixture(deployCore);
      const { records, patients, signers } = core;
      const account = await (await ethers.getContractFactory("TestSmartAccount")).deploy(signers.outsider.address);
      const accountAddress = await account.getAddress();
      const asOwner = account.connect(signers.outsider);
      await asOwner.execute(await patients.getAddress(), patients.interface.encodeFunctionData("register", [randomKey()]));
      const first = randomPointer();
      await asOwner.execute(
        await records.getAddress(),
        records.interface.encodeFunctionData("mint", [accountAddress, first.cid, first.contentHash, RECORD_KIND]),
      );
      const pointer = randomPointer();
      const domain = recordTokenDomain(core.chainId, await records.getAddress());
      const attestation = await signRecordUpdate(signers.outsider, domain, { tokenId: 2n, ...pointer, version: 2n });
      await expect(
        asOwner.execute(
          await records.getAddress(),
          records.interface.encodeFunctionData("update", [2n, pointer.cid, pointer.contentHash, attestation]),
        ),
      )
        .to.emit(records, "DataUpdated")
        .withArgs(2n, pointer.cid, pointer.contentHash, accountAddress, 2n, attestation);
    });
  });

  describe("burn", () => {
    it("lets the patient burn: pointer deleted, RecordBurned emitted, id never reused", async () => {
      const { records, signers, tokenId } = await loadFixture(deployCore);
      await expect(records.connect(signers.patient).burn(tokenId))
        .to.emit(records, "RecordBurned")
        .withArgs(tokenId, signers.patient.address)
        .and.to.emit(records, "Transfer")
        .withArgs(signers.patient.address, ZeroAddress, tokenId);
      expect(await records.patientOf(tokenId)).to.equal(ZeroAddress);
      expect(await records.balanceOf(signers.patient.address)).to.equal(0n);
      await expect(records.recordOf(tokenId)).to.be.revertedWithCustomError(records, "ERC721NonexistentToken");
      await expect(records.locked(tokenId)).to.be.revertedWithCustomError(records, "ERC721NonexistentToken");
      await expect(records.connect(signers.patient).burn(tokenId)).to.be.revertedWithCustomError(
        records,
        "ERC721NonexistentToken",
      );
      const pointer = randomPointer();
      await expect(records.connect(signers.patient).mint(signers.patient.address, pointer.cid, pointer.contentHash, RECORD_KIND))
        .to.emit(records, "RecordMinted")
        .withArgs(2n, signers.patient.address, signers.patient.address, pointer.cid, pointer.contentHash, RECORD_KIND);
    });

    it("refuses a burn by anyone but the patient, including an issuer with APPEND", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers, tokenId } = core;
      await grantScopes(core, signers.provider.address, Scope.APPEND | Scope.READ, tokenId);
      for (const caller of [signers.provider, signers.outsider, signers.deployer]) {
        await expect(records.connect(caller).burn(tokenId))
          .to.be.revertedWithCustomError(records, "NotRecordPatient")
          .withArgs(tokenId, caller.address);
      }
      expect(await records.patientOf(tokenId)).to.equal(signers.patient.address);
    });

    it("lets a deregistered patient still burn its records", async () => {
      const { records, patients, signers, tokenId } = await loadFixture(deployCore);
      await patients.connect(signers.patient).deregister();
      await expect(records.connect(signers.patient).burn(tokenId)).to.emit(records, "RecordBurned");
    });
  });
});
