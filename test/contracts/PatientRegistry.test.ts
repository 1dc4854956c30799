import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroHash } from "ethers";
import { deployCore, randomKey } from "../helpers/fixture";

describe("PatientRegistry", () => {
  it("registers the caller with its encryption key and emits PatientRegistered", async () => {
    const { patients, signers } = await loadFixture(deployCore);
    const key = randomKey();
    await expect(patients.connect(signers.outsider).register(key))
      .to.emit(patients, "PatientRegistered")
      .withArgs(signers.outsider.address, key);
    expect(await patients.isPatient(signers.outsider.address)).to.equal(true);
    expect(await patients.encryptionKeyOf(signers.outsider.address)).to.equal(key);
  });

  it("rejects a second registration of the same account", async () => {
    const { patients, signers } = await loadFixture(deployCore);
    await expect(patients.connect(signers.patient).register(randomKey()))
      .to.be.revertedWithCustomError(patients, "PatientAlreadyRegistered")
      .withArgs(signers.patient.address);
  });

  it("rejects a zero encryption key", async () => {
    const { patients, signers } = await loadFixture(deployCore);
    await expect(patients.connect(signers.outsider).register(ZeroHash)).to.be.revertedWithCustomError(
      patients,
      "InvalidEncryptionKey",
    );
  });

  it("rotates the key and reports the previous one", async () => {
    const { patients, signers } = await loadFixture(deployCore);
    const previous = await patients.encryptionKeyOf(signers.patient.address);
    const next = randomKey();
    await expect(patients.connect(signers.patient).rotateEncryptionKey(next))
      .to.emit(patients, "EncryptionKeyRotated")
      .withArgs(signers.patient.address, previous, next);
    expect(await patients.encryptionKeyOf(signers.patient.address)).to.equal(next);
  });

  it("refuses to rotate to zero, to the same key, or for an unregistered account", async () => {
    const { patients, signers } = await loadFixture(deployCore);
    const current = await patients.encryptionKeyOf(signers.patient.address);
    await expect(patients.connect(signers.patient).rotateEncryptionKey(ZeroHash)).to.be.revertedWithCustomError(
      patients,
      "InvalidEncryptionKey",
    );
    await expect(patients.connect(signers.patient).rotateEncryptionKey(current)).to.be.revertedWithCustomError(
      patients,
      "EncryptionKeyUnchanged",
    );
    await expect(patients.connect(signers.outsider).rotateEncryptionKey(randomKey()))
      .to.be.revertedWithCustomError(patients, "PatientNotRegistered")
      .withArgs(signers.outsider.address);
  });

  it("deregisters (erasure): the key is gone and the account may register again", async () => {
    const { patients, signers } = await loadFixture(deployCore);
    await expect(patients.connect(signers.patient).deregister())
      .to.emit(patients, "PatientDeregistered")
      .withArgs(signers.patient.address);
    expect(await patients.isPatient(signers.patient.address)).to.equal(false);
    await expect(patients.encryptionKeyOf(signers.patient.address)).to.be.revertedWithCustomError(
      patients,
      "PatientNotRegistered",
    );
    await expect(patients.connect(signers.patient).deregister()).to.be.revertedWithCustomError(
      patients,
      "PatientNotRegistered",
    );
    await patients.connect(signers.patient).register(randomKey());
    expect(await patients.isPatient(signers.patient.address)).to.equal(true);
  });

  it("derives the did:pkh of a patient from the chain id and address", async () => {
    const { patients, signers, chainId } = await loadFixture(deployCore);
    expect(await patients.didOf(signers.patient.address)).to.equal(
      `did:pkh:eip155:${chainId}:${signers.patient.address.toLowerCase()}`,
    );
    await expect(patients.didOf(signers.outsider.address)).to.be.revertedWithCustomError(
      patients,
      "PatientNotRegistered",
    );
  });

  it("lets a smart account (contract) register itself", async () => {
    const { patients, signers } = await loadFixture(deployCore);
    const account = await (await ethers.getContractFactory("TestSmartAccount")).deploy(signers.outsider.address);
    const key = randomKey();
    const data = patients.interface.encodeFunctionData("register", [key]);
    await expect(account.connect(signers.outsider).execute(await patients.getAddress(), data))
      .to.emit(patients, "PatientRegistered")
      .withArgs(await account.getAddress(), key);
    expect(await patients.isPatient(await account.getAddress())).to.equal(true);
  });

  it("numbers registrations: 0 unregistered, 1 after the first, 0 after deregister, 2 after registering again; rotation keeps it", async () => {
    const { patients, signers } = await loadFixture(deployCore);
    const who = signers.outsider;
    expect(await patients.registrationOf(who.address)).to.equal(0n);
    await patients.connect(who).register(randomKey());
    expect(await patients.registrationOf(who.address)).to.equal(1n);
    await patients.connect(who).rotateEncryptionKey(randomKey());
    expect(await patients.registrationOf(who.address)).to.equal(1n);
    await patients.connect(who).deregister();
    expect(await patients.registrationOf(who.address)).to.equal(0n);
    await patients.connect(who).register(randomKey());
    expect(await patients.registrationOf(who.address)).to.equal(2n);
    expect(await patients.registrationOf(signers.patient.address)).to.equal(1n);
  });
});
