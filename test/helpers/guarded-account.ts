import { deployWalletsFixture } from "./wallet-fixture";
import { wallet, withAccount } from "../../sdk";

/** An onboarded account whose guardians are the wallets fixture's three, threshold 2 (`wallet.setGuardians`, a sponsored transaction). */
export async function guardedAccount() {
  const f = await deployWalletsFixture();
  const owner = f.newOwner();
  const w = { ...(await f.onboard(owner)), owner };
  await wallet.setGuardians(withAccount(f.client, w), { guardians: f.guardians.map((g) => g.address), threshold: 2 });
  return { f, w };
}

/** What {@link guardedAccount} returns. */
export type GuardedAccount = Awaited<ReturnType<typeof guardedAccount>>;
