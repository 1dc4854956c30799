import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash, id } from "ethers";
import { deployCore, randomKey } from "../helpers/fixture";
import { ParticipantKind } from "../../sdk/chain/participant-kind";

describe("ProviderRegistry", () => {
  it("registers a participant with kind, key and metadata hash", async () => {
    const { providers, signers } = await loadFixture(deployCore);
    const key = randomKey();
    const metadata = id("licence MD-1234");
    await expect(providers.register(signers.outsider.address, ParticipantKind.Insurer, key, metadata))
      .to.emit(providers, "ParticipantRegistered")
      .withArgs(signers.outsider.address, ParticipantKind.Insurer, key, metadata);
    const participant = await providers.participantOf(signers.outsider.address);
    expect(participant.kind).to.equal(BigInt(ParticipantKind.Insurer));
    expect(participant.suspended).to.equal(false);
    expect(participant.encryptionKey).to.equal(key);
    expect(participant.metadataHash).to.equal(metadata);
    expect(await providers.isActive(signers.outsider.address, ParticipantKind.Insurer)).to.equal(true);
    expect(await providers.isActive(signers.outsider.address, ParticipantKind.Provider)).to.equal(false);
  });

  it("only the registrar role registers, suspends, reinstates and updates metadata", async () => {
    const { providers, signers } = await loadFixture(deployCore);
    const role = await providers.REGISTRAR_ROLE();
    const asOutsider = providers.connect(signers.outsider);
    await expect(asOutsider.register(signers.outsider.address, ParticipantKind.Provider, randomKey(), ZeroHash))
      .to.be.revertedWithCustomError(providers, "AccessControlUnauthorizedAccount")
      .withArgs(signers.outsider.address, role);
    await expect(asOutsider.suspend(signers.provider.address, ZeroHash)).to.be.revertedWithCustomError(
      providers,
      "AccessControlUnauthorizedAccount",
    );
    await expect(asOutsider.reinstate(signers.provider.address)).to.be.revertedWithCustomError(
      providers,
      "AccessControlUnauthorizedAccount",
    );
    await expect(asOutsider.updateMetadata(signers.provider.address, ZeroHash)).to.be.revertedWithCustomError(
      providers,
      "AccessControlUnauthorizedAccount",
    );
  });

  it("the deployer keeps no registrar role when another registrar is named", async () => {
    const { providers, signers } = await loadFixture(deployCore);
    expect(await providers.hasRole(await providers.REGISTRAR_ROLE(), signers.registrar.address)).to.equal(true);
    expect(await providers.hasRole(await providers.REGISTRAR_ROLE(), signers.deployer.address)).to.equal(false);
  });

  it("rejects the zero address, kind None, a zero key and a duplicate", async () => {
    const { providers, signers } = await loadFixture(deployCore);
    await expect(providers.register(ZeroAddress, ParticipantKind.Provider, randomKey(), ZeroHash)).to.be.revertedWithCustomError(
      providers,
      "InvalidAccount",
    );
    await expect(providers.register(signers.outsider.address, ParticipantKind.None, randomKey(), ZeroHash)).to.be.revertedWithCustomError(
      providers,
      "InvalidKind",
    );
    await expect(providers.register(signers.outsider.address, ParticipantKind.Lab, ZeroHash, ZeroHash)).to.be.revertedWithCustomError(
      providers,
      "InvalidEncryptionKey",
    );
    await expect(providers.register(signers.provider.address, ParticipantKind.Lab, randomKey(), ZeroHash))
      .to.be.revertedWithCustomError(providers, "ParticipantAlreadyRegistered")
      .withArgs(signers.provider.address);
  });

  it("rejects an out-of-range kind", async () => {
    const { providers, signers } = await loadFixture(deployCore);
    await expect(providers.register(signers.outsider.address, 6, randomKey(), ZeroHash)).to.be.reverted;
  });

  it("suspends and reinstates, and isActive/activeKindOf follow", async () => {
    const { providers, signers } = await loadFixture(deployCore);
    const reason = id("licence revoked");
    await expect(providers.suspend(signers.provider.address, reason))
      .to.emit(providers, "ParticipantSuspended")
      .withArgs(signers.provider.address, signers.registrar.address, reason);
    expect(await providers.isActive(signers.provider.address, ParticipantKind.Provider)).to.equal(false);
    expect(await providers.activeKindOf(signers.provider.address)).to.equal(BigInt(ParticipantKind.None));
    await expect(providers.suspend(signers.provider.address, reason)).to.be.revertedWithCustomError(
      providers,
      "ParticipantAlreadySuspended",
    );
    await expect(providers.reinstate(signers.provider.address))
      .to.emit(providers, "ParticipantReinstated")
      .withArgs(signers.provider.address, signers.registrar.address);
    expect(await providers.isActive(signers.provider.address, ParticipantKind.Provider)).to.equal(true);
    expect(await providers.activeKindOf(signers.provider.address)).to.equal(BigInt(ParticipantKind.Provider));
    await expect(providers.reinstate(signers.provider.address)).to.be.revertedWithCustomError(
      providers,
      "ParticipantNotSuspended",
    );
  });

  it("refuses to suspend, reinstate or update an unknown address", async () => {
    const { providers, signers } = await loadFixture(deployCore);
    for (const call of [
      () => providers.suspend(signers.outsider.address, ZeroHash),
      () => providers.reinstate(signers.outsider.address),
      () => providers.updateMetadata(signers.outsider.address, ZeroHash),
    ]) {
      await expect(call()).to.be.revertedWithCustomError(providers, "ParticipantNotRegistered").withArgs(signers.outsider.address);
    }
  });

  it("updates the metadata hash", async () => {
    const { providers, signers } = await loadFixture(deployCore);
    const metadata = id("new DID document");
    await expect(providers.updateMetadata(signers.lab.address, metadata))
      .to.emit(providers, "ParticipantMetadataUpdated")
      .withArgs(signers.lab.address, metadata);
    expect((await providers.participantOf(signers.lab.address)).metadataHash).to.equal(metadata);
  });

  it("lets a participant rotate its own encryption key, and nobody else's", async () => {
    const { providers, signers } = await loadFixture(deployCore);
    const previous = (await providers.participantOf(signers.lab.address)).encryptionKey;
    const next = randomKey();
    await expect(providers.connect(signers.lab).rotateEncryptionKey(next))
      .to.emit(providers, "ParticipantEncryptionKeyRotated")
      .withArgs(signers.lab.address, previous, next);
    expect((await providers.participantOf(signers.lab.address)).encryptionKey).to.equal(next);
    await expect(providers.connect(signers.lab).rotateEncryptionKey(ZeroHash)).to.be.revertedWithCustomError(
      providers,
      "InvalidEncryptionKey",
    );
    await expect(providers.connect(signers.outsider).rotateEncryptionKey(next)).to.be.revertedWithCustomError(
      providers,
      "ParticipantNotRegistered",
    );
  });

  it("isActive is false for kind None and unknown addresses", async () => {
    const { providers, signers } = await loadFixture(deployCore);
    expect(await providers.isActive(signers.outsider.address, ParticipantKind.None)).to.equal(false);
    expect(await providers.isActive(signers.outsider.address, ParticipantKind.Provider)).to.equal(false);
    expect(await providers.activeKindOf(signers.outsider.address)).to.equal(BigInt(ParticipantKind.None));
  });
});
