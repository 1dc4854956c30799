import { expect } from "chai";
import * as sdk from "../../sdk";

describe("sdk entry point", () => {
  it("exposes every domain as a namespace and the typed errors at the top level", () => {
    expect(Object.keys(sdk)).to.include.members(["audit", "chain", "consent", "crypto", "fhir", "records", "storage", "vocabulary", "wallet", "MedrecError"]);
    expect(sdk.fhir.validateFhir).to.be.a("function");
    expect(sdk.records.ingestRecord).to.be.a("function");
    expect(sdk.wallet.sendSponsored).to.be.a("function");
    expect(sdk.audit.accountingOfDisclosures).to.be.a("function");
    expect(sdk.vocabulary.formatTokenId).to.be.a("function");
    expect(new sdk.DecryptionError()).to.be.instanceOf(sdk.MedrecError).and.to.have.property("code", "DECRYPTION_FAILED");
  });

  it("keeps the vocabulary's old names where callers found them, as the same values", () => {
    expect(sdk.consent.Scope).to.equal(sdk.vocabulary.Scope);
    expect(sdk.consent.ALL_RECORDS).to.equal(sdk.vocabulary.ALL_RECORDS);
    expect(sdk.consent.ALL_SCOPES).to.equal(sdk.vocabulary.ALL_SCOPES);
    expect(sdk.consent.Purpose).to.equal(sdk.vocabulary.Purpose);
    expect(sdk.consent.PURPOSE_DISPLAY).to.equal(sdk.vocabulary.PURPOSE_DISPLAY);
    expect(sdk.audit.EMERGENCY_PURPOSE).to.equal(sdk.vocabulary.EMERGENCY_PURPOSE);
    expect(sdk.audit.formatTokenId).to.equal(sdk.vocabulary.formatTokenId);
    expect(sdk.audit.scopeNames).to.equal(sdk.vocabulary.scopeNames);
    expect(sdk.audit.didPkh).to.equal(sdk.vocabulary.didPkh);
    expect(sdk.audit.recordTokenIdentifier).to.equal(sdk.vocabulary.recordTokenIdentifier);
    expect(sdk.audit.ACT_REASON_SYSTEM).to.equal(sdk.vocabulary.ACT_REASON_SYSTEM);
    expect(sdk.breakglass.MAX_EMERGENCY_DURATION_SECONDS).to.equal(sdk.vocabulary.MAX_EMERGENCY_DURATION_SECONDS);
  });
});
