import hre, { ethers } from "hardhat";
import { Wallet, hexlify, parseEther, randomBytes } from "ethers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { deployCore } from "./fixture";
import { testContractDeployer, testSigners } from "./chain";
import { deployWallets } from "../../deploy/aa-wallets";
import { aaTransportFor, describeTransport } from "../../era-test-node/aa-transport";
import { installSystemDoubles } from "../../era-test-node/bootloader/system-doubles";
import { SponsorPaymaster__factory, TestAccountFactory__factory, TestPatientAccount__factory } from "../../sdk/chain/contracts";
import { signOnboardingVoucher, type WalletContext } from "../../sdk/wallet";
import { createMedrecClient, wallet } from "../../sdk";

let announced = false;

/**
 * The core plus the AA contracts (test builds on the in-process Hardhat chain, system doubles installed), a
 * wallet context whose transactions go through the bootloader driver, sponsored by the paymaster, and a client of
 * that deployment (no account: `withAccount(client, account)` acts as one).
 */
export async function deployWalletsFixture() {
  const core = await deployCore();
  const [, , , , , , , , , , , , sponsor, guardianA, guardianB, guardianC] = await testSigners(16);
  const wallets = await deployWallets(
    await testContractDeployer(core.signers.deployer),
    core.signers.deployer,
    core.deployment,
    {
      voucherSigner: sponsor.address,
      installSystemDoubles: hre.network.zksync === true ? undefined : () => installSystemDoubles(ethers.provider),
      funding: parseEther("10"),
    },
  );
  const transport = aaTransportFor(ethers.provider);
  if (!announced) {
    console.log(`      (AA transactions run on: ${describeTransport(transport)})`);
    announced = true;
  }
  const context: WalletContext = { transport, provider: ethers.provider, paymaster: wallets.SponsorPaymaster.address };
  const factory = TestAccountFactory__factory.connect(wallets.AccountFactory.address, core.signers.deployer);
  const paymaster = SponsorPaymaster__factory.connect(wallets.SponsorPaymaster.address, core.signers.deployer);
  const client = createMedrecClient({ provider: ethers.provider, deployment: { ...core.deployment, wallets } });

  /** A fresh owner key holding no ETH. */
  const newOwner = () => Wallet.createRandom().connect(ethers.provider);

  /** A voucher from the sponsor for `sender`, valid for an hour. */
  const voucherFor = async (sender: string, ttl = 3600n) =>
    signOnboardingVoucher(sponsor, wallets.SponsorPaymaster.address, core.chainId, sender, BigInt(await time.latest()) + ttl);

  /**
   * Onboards a new patient with zero ETH (`wallet.createAccount`): account deployed and registered, paid by the
   * paymaster. Returns the smart account (to act as) with its contract and encryption key.
   */
  async function onboard(owner = newOwner(), encryptionKey = hexlify(randomBytes(32))) {
    const smart = await wallet.createAccount(client, { owner, transport, salt: hexlify(randomBytes(32)), encryptionKey, voucher: await voucherFor(owner.address) });
    return { ...smart, account: TestPatientAccount__factory.connect(smart.address, core.signers.relayer), encryptionKey };
  }

  return { ...core, wallets, transport, context, client, factory, paymaster, newOwner, voucherFor, onboard, sponsor, guardians: [guardianA, guardianB, guardianC] };
}

export type WalletsFixture = Awaited<ReturnType<typeof deployWalletsFixture>>;

/** The wallets fixture plus one onboarded (zero-ETH, registered) patient account `w` and its owner key. */
export async function deployWithAccountFixture() {
  const f = await deployWalletsFixture();
  const owner = f.newOwner();
  const w = { ...(await f.onboard(owner)), owner };
  return { f, w };
}
