import { expect } from "chai";
import * as sdk from "../../sdk";

describe("sdk entry point", () => {
  it("exposes every domain as a namespace and the typed errors at the top level", () => {
    expect(Object.keys(sdk)).to.include.members(["audit", "chain", "consent", "crypto", "fhir", "records", "storage", "wallet", "MedrecError"]);
    expect(sdk.fhir.validateFhir).to.be.a("function");
    expect(sdk.records.ingestRecord).to.be.a("function");
    expect(sdk.wallet.sendSponsored).to.be.a("function");
    expect(sdk.audit.accountingOfDisclosures).to.be.a("function");
    expect(new sdk.DecryptionError()).to.be.instanceOf(sdk.MedrecError).and.to.have.property("code", "DECRYPTION_FAILED");
  });
});
