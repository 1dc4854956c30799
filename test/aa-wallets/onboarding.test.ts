import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployWalletsFixture } from "../helpers/wallet-fixture";
import { sendSponsored } from "../../sdk/wallet";

describe("aa-wallets: onboarding with zero ETH", () => {
  it("deploys, registers and grants a consent through the paymaster; the account's balance stays 0", async () => {
    const f = await loadFixture(deployWalletsFixture);
    const owner = f.newOwner();
    const paymasterBefore = await ethers.provider.getBalance(f.wallets.SponsorPaymaster.address);
    const wallet = await f.onboard(owner);
    expect(await f.factory.isAccount(wallet.address)).to.equal(true);
    expect(await f.patients.isPatient(wallet.address)).to.equal(true);
    expect(await f.patients.encryptionKeyOf(wallet.address)).to.equal(wallet.encryptionKey);
    expect(await wallet.account.owner()).to.equal(owner.address);
    const consent = await f.consentFor({ patient: wallet.address, tokenId: (1n << 256n) - 1n });
    await sendSponsored(f.context, wallet, [{ target: await f.consents.getAddress(), data: f.consents.interface.encodeFunctionData("grantDirect", [consent]) }]);
    expect(await f.consents.canAppend(f.signers.provider.address, wallet.address)).to.equal(false);
    expect((await f.consents.grantOf(wallet.address, consent.tokenId, f.signers.provider.address)).scopes).to.equal(1n);
    expect(await ethers.provider.getBalance(wallet.address)).to.equal(0n);
    expect(await ethers.provider.getBalance(owner.address)).to.equal(0n);
    expect(await ethers.provider.getBalance(f.wallets.SponsorPaymaster.address)).to.be.lessThan(paymasterBefore);
  });
});
