import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployCore } from "../helpers/fixture";
import { Scope } from "../../sdk/consent/typed-data";

describe("fixture smoke", () => {
  it("grants by signature and answers hasAccess", async () => {
    const core = await loadFixture(deployCore);
    const consent = await core.consentFor();
    await core.consents.grant(consent, await core.sign(consent));
    expect(await core.consents.hasAccess(core.signers.provider.address, core.tokenId, Scope.READ)).to.equal(true);
  });
});
