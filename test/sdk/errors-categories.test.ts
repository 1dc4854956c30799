import { expect } from "chai";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import * as sdk from "../../sdk";
import { ERROR_CATEGORIES, MedrecError, type ErrorCategory } from "../../sdk/errors";
import { BREAK_GLASS_CATEGORIES, BreakGlassError, type BreakGlassErrorCode } from "../../sdk/breakglass";
import { RESOLVER_CLIENT_ERRORS, RESOLVER_ERROR_CATEGORIES, RESOLVER_ERRORS, ResolverError } from "../../sdk/resolver";

type ErrorClass = new (...args: never[]) => MedrecError;

const issues = [{ path: "Patient.birthDate", message: "Invalid date format", code: "invalid" }];

/** One instance of every error class the SDK exports (those whose category depends on the code are tested apart), and its category. */
const SAMPLES: Record<string, () => [MedrecError, ErrorCategory]> = {
  MedrecError: () => [new sdk.MedrecError("SOME_CODE", "internal", "m"), "internal"],
  DecryptionError: () => [new sdk.DecryptionError(), "integrity"],
  KeyUnwrapError: () => [new sdk.KeyUnwrapError(), "integrity"],
  InvalidKeyError: () => [new sdk.InvalidKeyError(), "invalid-input"],
  InvalidEnvelopeError: () => [new sdk.InvalidEnvelopeError(), "integrity"],
  ContentHashMismatchError: () => [new sdk.ContentHashMismatchError(), "integrity"],
  InvalidArgumentError: () => [new sdk.InvalidArgumentError(), "invalid-input"],
  ClientConfigError: () => [new sdk.ClientConfigError("records.ingest", "account"), "invalid-input"],
  AuditQueryError: () => [new sdk.audit.AuditQueryError("blocks 1..2"), "unavailable"],
  BreakGlassError: () => [new sdk.breakglass.BreakGlassError("THRESHOLD_NOT_MET", "1 of 2"), "refused"],
  ConsentDocumentInvalidError: () => [new sdk.consent.ConsentDocumentInvalidError(issues), "invalid-input"],
  ConsentStoreError: () => [new sdk.consent.ConsentStoreError("load", "no answer"), "unavailable"],
  ConsentNotControllerError: () => [new sdk.consent.ConsentNotControllerError("did:key:a", "did:key:b"), "refused"],
  ConsentMetadataIdInvalidError: () => [new sdk.consent.ConsentMetadataIdInvalidError("0x12"), "invalid-input"],
  FhirValidationError: () => [new sdk.fhir.FhirValidationError(issues), "invalid-input"],
  PrepareFailedError: () => [new sdk.records.PrepareFailedError("worker exited"), "internal"],
  RecordKeyNotFoundError: () => [new sdk.records.RecordKeyNotFoundError("record #1 v1"), "not-found"],
  RecordNotFoundError: () => [new sdk.records.RecordNotFoundError(1n), "not-found"],
  RecordVersionChangedError: () => [new sdk.records.RecordVersionChangedError(1n), "unavailable"],
  RecordWriteError: () => [new sdk.records.RecordWriteError("reverted"), "refused"],
  RecordPermissionError: () => [new sdk.records.RecordPermissionError("NOT_AUTHORISED", "no APPEND consent"), "refused"],
  PatientKeyDiffersError: () => [new sdk.wallet.PatientKeyDiffersError("0x0000000000000000000000000000000000000001", "0x00"), "refused"],
  ResolverError: () => [new sdk.resolver.ResolverError("ACCESS_DENIED", 403, "no consent"), "refused"],
  ContentNotFoundError: () => [new sdk.storage.ContentNotFoundError("bafy"), "not-found"],
  ContentIntegrityError: () => [new sdk.storage.ContentIntegrityError("bafy", "digest"), "integrity"],
  UnsupportedCidError: () => [new sdk.storage.UnsupportedCidError("bafy", "CIDv0"), "invalid-input"],
  StoreClosedError: () => [new sdk.storage.StoreClosedError("HeliaStore"), "internal"],
  StorageConfigError: () => [new sdk.storage.StorageConfigError("no key"), "invalid-input"],
  FilecoinUploadError: () => [new sdk.storage.FilecoinUploadError("provider"), "unavailable"],
  FilecoinRetrievalError: () => [new sdk.storage.FilecoinRetrievalError("bafk", "provider"), "unavailable"],
  TransactionRejectedError: () => [new sdk.wallet.TransactionRejectedError("validation", "WrongSigner()"), "refused"],
  TransactionRevertedError: () => [new sdk.wallet.TransactionRevertedError("0x01", "InvalidCid()"), "refused"],
  TransactionWouldRevertError: () => [new sdk.wallet.TransactionWouldRevertError("out of gas"), "refused"],
};

/** Every MedrecError class exported by `sdk/index.ts`, at the top level or in a domain namespace, by name. */
function exportedErrorClasses(): Map<string, ErrorClass> {
  const classes = new Map<string, ErrorClass>();
  const visit = (exports: Record<string, unknown>, nested: boolean) => {
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value === "function" && (value === MedrecError || value.prototype instanceof MedrecError)) classes.set(name, value as ErrorClass);
      else if (!nested && value !== null && typeof value === "object") visit(value as Record<string, unknown>, true);
    }
  };
  visit(sdk as unknown as Record<string, unknown>, false);
  return classes;
}

/** Names of the classes declared `extends MedrecError` anywhere in `sdk/`. */
function declaredErrorClasses(dir = path.join(__dirname, "../../sdk")): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) names.push(...declaredErrorClasses(file));
    else if (entry.name.endsWith(".ts")) {
      for (const match of readFileSync(file, "utf8").matchAll(/class (\w+) extends MedrecError\b/g)) names.push(match[1]);
    }
  }
  return names;
}

describe("sdk/errors categories", () => {
  it("every error class of the SDK is exported and has a category of the union", () => {
    const exported = exportedErrorClasses();
    expect([...exported.keys()].sort()).to.deep.equal(Object.keys(SAMPLES).sort());
    // CliError is the CLI's (the CLI in cli/ is not part of the SDK's entry point); test/cli covers it.
    for (const name of declaredErrorClasses()) if (name !== "CliError") expect(exported.has(name), `${name} is not exported`).to.equal(true);
    for (const [name, sample] of Object.entries(SAMPLES)) {
      const [error, category] = sample();
      expect(error, name).to.be.instanceOf(exported.get(name) as ErrorClass);
      expect(ERROR_CATEGORIES, name).to.include(error.category);
      expect(error.category, name).to.equal(category);
    }
  });

  it("the union has six categories and no duplicates", () => {
    expect(new Set(ERROR_CATEGORIES).size).to.equal(6);
  });

  it("every break-glass code has a category: input codes are invalid-input, refusals refused", () => {
    for (const [code, category] of Object.entries(BREAK_GLASS_CATEGORIES) as [BreakGlassErrorCode, ErrorCategory][]) {
      expect(new BreakGlassError(code, "m").category, code).to.equal(category);
      expect(ERROR_CATEGORIES).to.include(category);
    }
    expect(new BreakGlassError("INVALID_DURATION", "m").category).to.equal("invalid-input");
    expect(new BreakGlassError("STALE_NONCE", "m").category).to.equal("refused");
  });

  it("every code the resolver answers with has a category, and an unknown code is internal", () => {
    for (const [code, { status, category }] of Object.entries(RESOLVER_ERRORS)) {
      expect(status, code).to.be.within(400, 599);
      expect(ERROR_CATEGORIES, code).to.include(category);
      expect(RESOLVER_ERROR_CATEGORIES[code as keyof typeof RESOLVER_ERRORS], code).to.equal(category);
      expect(new ResolverError(code, status, "m").category, code).to.equal(category);
    }
    for (const [code, { category }] of Object.entries(RESOLVER_CLIENT_ERRORS)) {
      expect(Object.hasOwn(RESOLVER_ERRORS, code), `${code} is the client's and the resolver's`).to.equal(false);
      expect(new ResolverError(code, 0, "m").category, code).to.equal(category);
    }
    expect(new ResolverError("RECORD_ERASED", 410, "m").category).to.equal("not-found");
    expect(new ResolverError("CHAIN_UNAVAILABLE", 503, "m").category).to.equal("unavailable");
    expect(new ResolverError("RESOLVER_UNREACHABLE", 0, "m").category).to.equal("unavailable");
    expect(new ResolverError("SOMETHING_NEW", 500, "m").category).to.equal("internal");
    expect(new ResolverError("toString", 500, "m").category).to.equal("internal");
  });
});
