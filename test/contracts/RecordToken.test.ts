import { expect } from "chai";
import { ethers, network } from "hardhat";
import { newStorageSlots } from "../../bench/storage-slots";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, concat, getAddress, hexlify, randomBytes, sha256, type Signer } from "ethers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import fc from "fast-check";
import { deployCore, randomPointer, randomKey, randomSalt, RECORD_KIND, type Core } from "../helpers/fixture";
import { recordTokenId } from "../../sdk/vocabulary";
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

/** `issuer` mints `pointer` for `patient` with a fresh salt; the id is known before the transaction. */
function mintAs(core: Core, issuer: Signer & { address: string }, patient: string, pointer = randomPointer(), salt = randomSalt()) {
  const tokenId = recordTokenId(issuer.address, patient, salt);
  return { tokenId, pointer, salt, tx: core.records.connect(issuer).mint(patient, salt, pointer.cid, pointer.contentHash, RECORD_KIND) };
}

describe("RecordToken", () => {
  describe("mint", () => {
    it("mints to the patient itself, at the id known before the mint, with pointer and version 1", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers } = core;
      const salt = randomSalt();
      const known = recordTokenId(signers.patient.address, signers.patient.address, salt);
      expect(await records.tokenIdFor(signers.patient.address, signers.patient.address, salt)).to.equal(known);
      expect(await records.isUsed(known)).to.equal(false);
      const { tokenId, pointer, tx } = mintAs(core, signers.patient, signers.patient.address, randomPointer(), salt);
      expect(tokenId).to.equal(known);
      await expect(tx)
        .to.emit(records, "RecordMinted")
        .withArgs(tokenId, signers.patient.address, signers.patient.address, pointer.cid, pointer.contentHash, RECORD_KIND)
        .and.to.emit(records, "Locked")
        .withArgs(tokenId)
        .and.to.emit(records, "Transfer")
        .withArgs(ZeroAddress, signers.patient.address, tokenId);
      const record = await records.recordOf(tokenId);
      expect(record.patient).to.equal(signers.patient.address);
      expect(record.cid).to.equal(pointer.cid);
      expect(record.contentHash).to.equal(pointer.contentHash);
      expect(record.version).to.equal(1n);
      expect(await records.cidOf(tokenId)).to.equal(pointer.cid);
      expect(await records.pointerOf(tokenId)).to.deep.equal([signers.patient.address, 1n]);
      expect(await records.patientOf(tokenId)).to.equal(signers.patient.address);
      expect(await records.ownerOf(tokenId)).to.equal(signers.patient.address);
      expect(await records.isUsed(tokenId)).to.equal(true);
      expect(await records.balanceOf(signers.patient.address)).to.equal(2n);
    });

    it("derives ids as the SDK does: the low 128 bits of keccak256(writer, patient, salt), never zero", async () => {
      const { records } = await loadFixture(deployCore);
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), async (w, p, salt) => {
          const [writer, patient] = [getAddress(hexlify(w)), getAddress(hexlify(p))];
          const id = recordTokenId(writer, patient, hexlify(salt));
          expect(id > 0n && id <= 1n << 128n).to.equal(true);
          expect(await records.tokenIdFor(writer, patient, hexlify(salt))).to.equal(id);
        }),
        { numRuns: 25 },
      );
    });

    it("never mints one id twice: a repeated salt and a burned id revert with TokenIdUsed", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers } = core;
      const first = mintAs(core, signers.patient, signers.patient.address);
      await first.tx;
      const again = mintAs(core, signers.patient, signers.patient.address, randomPointer(), first.salt);
      await expect(again.tx).to.be.revertedWithCustomError(records, "TokenIdUsed").withArgs(first.tokenId);
      await records.connect(signers.patient).burn(first.tokenId);
      expect(await records.isUsed(first.tokenId)).to.equal(true);
      const afterBurn = mintAs(core, signers.patient, signers.patient.address, randomPointer(), first.salt);
      await expect(afterBurn.tx).to.be.revertedWithCustomError(records, "TokenIdUsed").withArgs(first.tokenId);
    });

    it("lets nobody take a writer's id: the same salt from another issuer is another id", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers } = core;
      await grantScopes(core, signers.provider.address, Scope.APPEND | Scope.READ);
      const salt = randomSalt();
      const byProvider = recordTokenId(signers.provider.address, signers.patient.address, salt);
      // The patient front-runs with the provider's salt: it gets its own id, and the provider's stays free.
      const patientMint = mintAs(core, signers.patient, signers.patient.address, randomPointer(), salt);
      await patientMint.tx;
      expect(patientMint.tokenId).to.not.equal(byProvider);
      expect(await records.isUsed(byProvider)).to.equal(false);
      const providerMint = mintAs(core, signers.provider, signers.patient.address, randomPointer(), salt);
      await expect(providerMint.tx).to.emit(records, "RecordMinted").withArgs(byProvider, signers.patient.address, signers.provider.address, anyValue, anyValue, RECORD_KIND);
      // An id is also bound to its patient: the same writer and salt for another patient is another record.
      expect(recordTokenId(signers.provider.address, signers.patient2.address, salt)).to.not.equal(byProvider);
    });

    it("refuses an account that is not a registered patient", async () => {
      const { records, signers } = await loadFixture(deployCore);
      const pointer = randomPointer();
      await expect(records.connect(signers.outsider).mint(signers.outsider.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND))
        .to.be.revertedWithCustomError(records, "NotAPatient")
        .withArgs(signers.outsider.address);
    });

    it("refuses a patient that deregistered", async () => {
      const { records, patients, signers } = await loadFixture(deployCore);
      await patients.connect(signers.patient).deregister();
      const pointer = randomPointer();
      await expect(
        records.connect(signers.patient).mint(signers.patient.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND),
      ).to.be.revertedWithCustomError(records, "NotAPatient");
    });

    it("refuses an outsider minting for a patient", async () => {
      const { records, signers } = await loadFixture(deployCore);
      const pointer = randomPointer();
      await expect(records.connect(signers.outsider).mint(signers.patient.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND))
        .to.be.revertedWithCustomError(records, "UnauthorizedIssuer")
        .withArgs(signers.outsider.address);
    });

    it("refuses APPEND without consent: a provider with no consent, READ only, or APPEND on one token only", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers } = core;
      const pointer = randomPointer();
      const mintAsProvider = () =>
        records.connect(signers.provider).mint(signers.patient.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND);
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
        await expect(records.connect(issuer).mint(signers.patient.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND))
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
          records.connect(issuer).mint(signers.patient.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND),
        ).to.be.revertedWithCustomError(records, "UnauthorizedIssuer");
      }
    });

    it("refuses a provider whose APPEND consent expired or who was suspended", async () => {
      const core = await loadFixture(deployCore);
      const { records, providers, signers } = core;
      await grantScopes(core, signers.provider.address, Scope.APPEND, ALL_RECORDS, 100n);
      const pointer = randomPointer();
      const mint = () => records.connect(signers.provider).mint(signers.patient.address, randomSalt(), pointer.cid, pointer.contentHash, RECORD_KIND);
      await providers.suspend(signers.provider.address, ZeroHash);
      await expect(mint()).to.be.revertedWithCustomError(records, "UnauthorizedIssuer");
      await providers.reinstate(signers.provider.address);
      await expect(mint()).to.emit(records, "RecordMinted");
      await time.increase(200);
      await expect(mint()).to.be.revertedWithCustomError(records, "UnauthorizedIssuer");
    });

    it("rejects malformed CIDs, other multihashes, a raw CID of other bytes and a zero content hash", async () => {
      const { records, signers } = await loadFixture(deployCore);
      const { contentHash } = randomPointer();
      const mint = (cid: string, hash = contentHash) =>
        records.connect(signers.patient).mint(signers.patient.address, randomSalt(), cid, hash, RECORD_KIND);
      await expect(mint("0x")).to.be.revertedWithCustomError(records, "InvalidCid");
      await expect(mint("0x015512")).to.be.revertedWithCustomError(records, "InvalidCid");
      await expect(mint(concat(["0x00551220", contentHash]))).to.be.revertedWithCustomError(records, "InvalidCid");
      await expect(mint(concat(["0x01", hexlify(randomBytes(128))]))).to.be.revertedWithCustomError(records, "InvalidCid");
      // blake2b-256 (0xb220) and sha2-512 (0x13 0x40) multihashes; a digest one byte short or long.
      await expect(mint(concat(["0x0155a0e40220", contentHash]))).to.be.revertedWithCustomError(records, "InvalidCid");
      await expect(mint(concat(["0x01551340", contentHash, contentHash]))).to.be.revertedWithCustomError(records, "InvalidCid");
      await expect(mint(concat(["0x01701220", contentHash, "0x00"]))).to.be.revertedWithCustomError(records, "InvalidCid");
      await expect(mint(concat(["0x0170121f", contentHash.slice(0, 64)]))).to.be.revertedWithCustomError(records, "InvalidCid");
      // A codec varint that never ends, or over 32 bits.
      await expect(mint(concat(["0x01ffffffffff1220", contentHash]))).to.be.revertedWithCustomError(records, "InvalidCid");
      await expect(mint(randomPointer().cid, ZeroHash)).to.be.revertedWithCustomError(records, "InvalidContentHash");
      // A raw CID addresses the ciphertext itself: its digest must be the content hash.
      const other = sha256(randomBytes(8));
      await expect(mint(concat(["0x01551220", other]), contentHash))
        .to.be.revertedWithCustomError(records, "CidHashMismatch")
        .withArgs(other, contentHash);
    });

    it("keeps any sha2-256 CIDv1 readable: a dag-pb root (large record) and a multi-byte codec come back exactly", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers } = core;
      const root = sha256(randomBytes(16));
      for (const prefix of ["0x01701220", "0x01a9021220", "0x0180808080011220"]) {
        const pointer = { cid: concat([prefix, root]), contentHash: sha256(randomBytes(16)) };
        const { tokenId, tx } = mintAs(core, signers.patient, signers.patient.address, pointer);
        await expect(tx).to.emit(records, "RecordMinted").withArgs(tokenId, anyValue, anyValue, pointer.cid, pointer.contentHash, RECORD_KIND);
        expect((await records.recordOf(tokenId)).cid).to.equal(pointer.cid);
        expect(await records.cidOf(tokenId)).to.equal(pointer.cid);
      }
    });

    it("writes at most 3 new storage slots per record: 2 for a raw CID, 3 for a dag-pb root (plus a patient's first balance)", async () => {
      const core = await loadFixture(deployCore);
      const { signers } = core;
      const slots = async (pointer: { cid: string; contentHash: string }) => {
        const { tx } = mintAs(core, signers.patient, signers.patient.address, pointer);
        return (await newStorageSlots(network.provider, (await tx).hash)).created;
      };
      expect(await slots(randomPointer())).to.equal(2);
      expect(await slots({ cid: concat(["0x01701220", sha256(randomBytes(16))]), contentHash: sha256(randomBytes(16)) })).to.equal(3);
      const { tx } = mintAs(core, signers.patient2, signers.patient2.address);
      expect((await newStorageSlots(network.provider, (await tx).hash)).created).to.equal(3); // + patient2's balance
    });
  });

  describe("mintBatch", () => {
    const entry = (pointer = randomPointer(), salt = randomSalt()) => ({ salt, contentHash: pointer.contentHash, recordKind: RECORD_KIND, cid: pointer.cid });

    it("mints every entry as mint would, in order, with the per-record events, in one transaction", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers } = core;
      await grantScopes(core, signers.provider.address, Scope.APPEND | Scope.READ);
      const entries = Array.from({ length: 5 }, () => entry());
      const ids = entries.map((e) => recordTokenId(signers.provider.address, signers.patient.address, e.salt));
      const receipt = await (await records.connect(signers.provider).mintBatch(signers.patient.address, entries)).wait();
      const minted = receipt!.logs.map((log) => records.interface.parseLog(log)).filter((e) => e?.name === "RecordMinted");
      expect(minted.map((e) => e!.args.tokenId)).to.deep.equal(ids);
      expect(minted.map((e) => e!.args.cid)).to.deep.equal(entries.map((e) => e.cid));
      expect(receipt!.logs.filter((log) => records.interface.parseLog(log)?.name === "Locked")).to.have.length(5);
      for (const [i, id] of ids.entries()) {
        expect(await records.ownerOf(id)).to.equal(signers.patient.address);
        expect((await records.recordOf(id)).contentHash).to.equal(entries[i].contentHash);
      }
      expect(await records.balanceOf(signers.patient.address)).to.equal(6n);
    });

    it("is all or nothing: one bad entry (used id, bad CID) reverts the batch and mints none", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers } = core;
      const first = mintAs(core, signers.patient, signers.patient.address);
      await first.tx;
      const good = entry();
      const goodId = recordTokenId(signers.patient.address, signers.patient.address, good.salt);
      const batch = records.connect(signers.patient);
      await expect(batch.mintBatch(signers.patient.address, [good, entry(undefined, first.salt)]))
        .to.be.revertedWithCustomError(records, "TokenIdUsed")
        .withArgs(first.tokenId);
      await expect(batch.mintBatch(signers.patient.address, [good, { ...entry(), cid: "0x0155" }])).to.be.revertedWithCustomError(records, "InvalidCid");
      // Two entries with one salt are one id twice.
      await expect(batch.mintBatch(signers.patient.address, [good, good])).to.be.revertedWithCustomError(records, "TokenIdUsed").withArgs(goodId);
      expect(await records.isUsed(goodId)).to.equal(false);
      await expect(batch.mintBatch(signers.patient.address, [])).to.be.revertedWithCustomError(records, "EmptyBatch");
      expect(await records.balanceOf(signers.patient.address)).to.equal(2n);
    });

    it("checks the patient and the issuer as mint does", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers } = core;
      await expect(records.connect(signers.outsider).mintBatch(signers.outsider.address, [entry()]))
        .to.be.revertedWithCustomError(records, "NotAPatient")
        .withArgs(signers.outsider.address);
      await expect(records.connect(signers.provider).mintBatch(signers.patient.address, [entry()]))
        .to.be.revertedWithCustomError(records, "UnauthorizedIssuer")
        .withArgs(signers.provider.address);
      await grantScopes(core, signers.insurer.address, Scope.APPEND);
      await expect(records.connect(signers.insurer).mintBatch(signers.patient.address, [entry()])).to.be.revertedWithCustomError(records, "UnauthorizedIssuer");
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
      expect(record.patient).to.equal(signers.patient.address);
    });

    it("lets a provider holding APPEND on the token update it", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers, tokenId } = core;
      await grantScopes(core, signers.provider.address, Scope.APPEND, tokenId);
      const { tx } = await attestedUpdate(core, signers.provider, tokenId, 2n);
      await expect(tx).to.emit(records, "DataUpdated").withArgs(tokenId, anyValue, anyValue, signers.provider.address, 2n, anyValue);
      expect((await records.recordOf(tokenId)).version).to.equal(2n);
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
      const salt = randomSalt();
      const tokenId = recordTokenId(accountAddress, accountAddress, salt);
      await asOwner.execute(
        await records.getAddress(),
        records.interface.encodeFunctionData("mint", [accountAddress, salt, first.cid, first.contentHash, RECORD_KIND]),
      );
      const pointer = randomPointer();
      const domain = recordTokenDomain(core.chainId, await records.getAddress());
      const attestation = await signRecordUpdate(signers.outsider, domain, { tokenId, ...pointer, version: 2n });
      await expect(
        asOwner.execute(
          await records.getAddress(),
          records.interface.encodeFunctionData("update", [tokenId, pointer.cid, pointer.contentHash, attestation]),
        ),
      )
        .to.emit(records, "DataUpdated")
        .withArgs(tokenId, pointer.cid, pointer.contentHash, accountAddress, 2n, attestation);
    });
  });

  describe("patientsOf / pointersOf (batch reads)", () => {
    it("answer pointerOf of every id in order, zeros for burned, unknown and ALL_RECORDS ids, and nothing for no ids", async () => {
      const core = await loadFixture(deployCore);
      const { records, signers, tokenId } = core;
      const other = mintAs(core, signers.patient2, signers.patient2.address);
      await other.tx;
      const updated = await attestedUpdate(core, signers.patient2, other.tokenId, 2n);
      await updated.tx;
      const burned = mintAs(core, signers.patient, signers.patient.address);
      await burned.tx;
      await records.connect(signers.patient).burn(burned.tokenId);
      const ids = [tokenId, other.tokenId, burned.tokenId, 77n, ALL_RECORDS, tokenId];
      const singles = await Promise.all(ids.map((id) => records.pointerOf(id)));
      expect(singles.map((p) => [p[0], p[1]])).to.deep.equal([
        [signers.patient.address, 1n],
        [signers.patient2.address, 2n],
        [ZeroAddress, 0n],
        [ZeroAddress, 0n],
        [ZeroAddress, 0n],
        [signers.patient.address, 1n],
      ]);
      const [patients, versions] = await records.pointersOf(ids);
      expect([...patients]).to.deep.equal(singles.map((p) => p[0]));
      expect([...versions]).to.deep.equal(singles.map((p) => p[1]));
      expect([...(await records.patientsOf(ids))]).to.deep.equal(singles.map((p) => p[0]));
      expect([...(await records.patientsOf([]))]).to.deep.equal([]);
      const [noPatients, noVersions] = await records.pointersOf([]);
      expect([...noPatients, ...noVersions]).to.deep.equal([]);
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
      expect(await records.isUsed(tokenId)).to.equal(true);
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
