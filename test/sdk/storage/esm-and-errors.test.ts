import { expect } from "chai";
import { MedrecError } from "../../../sdk/errors";
import {
  ContentIntegrityError,
  ContentNotFoundError,
  FilecoinRetrievalError,
  FilecoinUploadError,
  StorageConfigError,
  StoreClosedError,
  UnsupportedCidError,
  ensurePromiseWithResolvers,
  loadEsm,
} from "../../../sdk/storage";

describe("sdk/storage ESM boundary and Node 20 shim", () => {
  it("loads ESM-only packages with a native import() from CommonJS", async () => {
    const { CID } = await loadEsm("multiformats/cid");
    expect(CID.parse("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku").version).to.equal(1);
    const upload = await loadEsm("filecoin-pin/core/upload");
    expect(upload.executeUpload).to.be.a("function");
    expect(upload.checkUploadReadiness).to.be.a("function");
    const synapse = await loadEsm("filecoin-pin/core/synapse");
    expect(synapse.initializeSynapse).to.be.a("function");
  });

  it("provides Promise.withResolvers as ES2024 specifies it", async () => {
    ensurePromiseWithResolvers();
    const withResolvers = (Promise as unknown as { withResolvers<T>(): { promise: Promise<T>; resolve(v: T): void; reject(e: unknown): void } }).withResolvers;
    expect(withResolvers).to.be.a("function");
    const ok = withResolvers.call(Promise) as { promise: Promise<number>; resolve(v: number): void };
    ok.resolve(7);
    expect(await ok.promise).to.equal(7);
    const bad = withResolvers.call(Promise) as { promise: Promise<number>; reject(e: unknown): void };
    bad.reject(new Error("no"));
    let caught: unknown;
    await bad.promise.catch((err: unknown) => (caught = err));
    expect((caught as Error).message).to.equal("no");
    expect(Object.getOwnPropertyDescriptor(Promise, "withResolvers")?.enumerable).to.equal(false);
  });
});

describe("sdk/storage errors", () => {
  it("are MedrecErrors with stable codes and names", () => {
    const cases: Array<[MedrecError, string, string]> = [
      [new ContentNotFoundError("bafkx"), "CONTENT_NOT_FOUND", "ContentNotFoundError"],
      [new ContentIntegrityError("bafkx", "bad"), "CONTENT_INTEGRITY_FAILED", "ContentIntegrityError"],
      [new UnsupportedCidError("Qm", "v0"), "UNSUPPORTED_CID", "UnsupportedCidError"],
      [new StoreClosedError("X"), "STORE_CLOSED", "StoreClosedError"],
      [new StorageConfigError("x"), "STORAGE_CONFIG_INVALID", "StorageConfigError"],
      [new FilecoinUploadError("x", ["deposit"]), "FILECOIN_UPLOAD_FAILED", "FilecoinUploadError"],
      [new FilecoinRetrievalError("bafkzc", "x"), "FILECOIN_RETRIEVAL_FAILED", "FilecoinRetrievalError"],
    ];
    for (const [err, code, name] of cases) {
      expect(err).to.be.instanceOf(MedrecError);
      expect(err.code).to.equal(code);
      expect(err.name).to.equal(name);
    }
    expect(new ContentIntegrityError("bafkx", "bad").message).to.equal("integrity check failed for bafkx: bad");
    expect(new FilecoinUploadError("x", ["deposit"]).suggestions).to.deep.equal(["deposit"]);
  });
});
