import { deployWalletsFixture } from "./wallet-fixture";
import { setGuardians } from "../../sdk/wallet";

/** An onboarded account whose guardians are the wallets fixture's three, threshold 2 (set through a sponsored transaction). */
export async function guardedAccount() {
  const f = await deployWalletsFixture();
  const owner = f.newOwner();
  const w = { ...(await f.onboard(owner)), owner };
  await setGuardians(f.context, w, f.guardians.map((g) => g.address), 2);
  return { f, w };
}

/** What {@link guardedAccount} returns. */
export type GuardedAccount = Awaited<ReturnType<typeof guardedAccount>>;
