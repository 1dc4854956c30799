/**
 * The CLI's pure parts, without a chain: identity files, error → exit code mapping and revert decoding, the
 * grant fold of `consent list`, the progress bar, option parsers, and the program's usage exits.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { expect } from "chai";
import { Wallet, ZeroAddress, getAddress, isError, keccak256, toUtf8Bytes } from "ethers";
import { ConsentManager__factory } from "../../sdk/chain/contracts";
import { FhirValidationError } from "../../sdk/fhir";
import { RecordKeyNotFoundError, RecordNotFoundError } from "../../sdk/records";
import { ContentNotFoundError } from "../../sdk/storage/errors";
import { ALL_RECORDS } from "../../sdk/vocabulary";
import { createIdentity, loadIdentity, unlockEncryptionKey, unlockSigner, X25519_KEY_FILE } from "../../cli/src/identity";
import { CliError, ExitCode, decodeRevert, describeError, registerContracts } from "../../cli/src/errors";
import { currentGrants } from "../../sdk/audit/grants";
import { createProgress, progressWanted, renderBar } from "../../cli/src/progress";
import { parseScopes, parseTokenOrAll, parsePublicKey } from "../../cli/src/options";
import { main } from "../../cli/src/main";
import type { CliIo } from "../../cli/src/context";
import type { TextSink } from "../../cli/src/output";
import type { AuditEntry } from "../../sdk/audit";
import { BreakGlassError, parseProposal, type BreakGlassErrorCode } from "../../sdk/breakglass";
import { SAFE_CONTRACTS } from "../../deploy/safe";
import { configuredSafe } from "../../cli/src/safe-config";
import { SAFE_CONTRACT_KEYS, contractNetworksFor, safeContractAddressesOf } from "../../sdk/breakglass/contract-networks";
import { deploymentOf } from "../../cli/src/client";
import { loadConfig, readDeploymentFile, writeConfig, type CliConfig } from "../../cli/src/config";
import { reasonText } from "../../cli/src/reason-input";

/** A stream that keeps what is written. */
function sink(isTTY = false): TextSink & { text: string } {
  const stream = {
    text: "",
    isTTY,
    write(chunk: string, callback?: (error?: Error | null) => void) {
      stream.text += chunk;
      callback?.();
      return true;
    },
  };
  return stream;
}

describe("medrec CLI units", function () {
  this.timeout(30_000);

  describe("identity", () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "medrec-identity-"));
    });
    after(async () => rm(dir, { recursive: true, force: true }));

    it("round-trips both keys under the passphrase and refuses a wrong one", async () => {
      const key = Wallet.createRandom().privateKey;
      const created = await createIdentity(path.join(dir, "a"), "passphrase one", key);
      expect(await loadIdentity(path.join(dir, "a"))).to.deep.equal(created);
      expect((await unlockSigner(path.join(dir, "a"), "passphrase one")).privateKey).to.equal(key);
      const x25519 = await unlockEncryptionKey(path.join(dir, "a"), "passphrase one");
      expect(x25519).to.have.length(32);
      for (const unlock of [unlockSigner, unlockEncryptionKey]) {
        try {
          await unlock(path.join(dir, "a"), "passphrase two");
          expect.fail("unlocked with a wrong passphrase");
        } catch (error) {
          expect((error as CliError).code).to.equal("WRONG_PASSPHRASE");
          expect((error as CliError).exitCode).to.equal(ExitCode.INVALID_INPUT);
        }
      }
      const text = await readFile(path.join(dir, "a", X25519_KEY_FILE), "utf8");
      expect(text).to.not.include(Buffer.from(x25519).toString("hex"));
      expect(text).to.not.include(key.slice(2));
    });

    it("binds the encrypted X25519 key to its public key and address", async () => {
      await createIdentity(path.join(dir, "b"), "pass");
      const file = path.join(dir, "b", X25519_KEY_FILE);
      const content = JSON.parse(await readFile(file, "utf8"));
      content.address = Wallet.createRandom().address;
      await writeFile(file, JSON.stringify(content));
      try {
        await unlockEncryptionKey(path.join(dir, "b"), "pass");
        expect.fail("opened a key file whose address was changed");
      } catch (error) {
        expect((error as CliError).code).to.equal("WRONG_PASSPHRASE");
      }
    });
  });

  describe("errors", () => {
    it("maps SDK errors to exit codes; FHIR issues as path: message, anything quoted in a message left out", () => {
      const fhir = new FhirValidationError([
        { path: "Patient.birthDate", message: "Invalid date format 'SECRET'", code: "invalid" },
        { path: "Patient.gender", message: "", code: "code-invalid" },
      ]);
      const report = describeError(fhir);
      expect(report.exitCode).to.equal(3);
      expect(report.message).to.include("Patient.birthDate: Invalid date format '…'; Patient.gender: code-invalid");
      expect(report.details).to.deep.equal({
        issues: [
          { path: "Patient.birthDate", message: "Invalid date format '…'", code: "invalid" },
          { path: "Patient.gender", message: "code-invalid", code: "code-invalid" },
        ],
      });
      expect(report.message).to.not.include("SECRET");
      expect(describeError(new RecordNotFoundError(9n)).exitCode).to.equal(4);
      expect(describeError(new RecordKeyNotFoundError("no key")).exitCode).to.equal(4);
      expect(describeError(new ContentNotFoundError("bafy")).exitCode).to.equal(4);
      expect(describeError(new Error("boom"))).to.deep.include({ code: "UNEXPECTED", exitCode: 1 });
      expect(describeError(new CliError("X", "x", ExitCode.USAGE)).exitCode).to.equal(2);
    });

    it("decodes custom errors of the medrec contracts, naming the contract called", () => {
      const iface = ConsentManager__factory.createInterface();
      const account = Wallet.createRandom().address;
      const data = iface.encodeErrorResult("NoGrant", [account, 7n, account]);
      expect(decodeRevert(data)).to.deep.equal({ contract: "ConsentManager", error: "NoGrant", args: [account, "7", account] });
      // NotAPatient(address) is declared by ConsentManager and RecordToken: the address called decides
      const shared = iface.encodeErrorResult("NotAPatient", [account]);
      expect(decodeRevert(shared)!.contract).to.equal(null);
      const recordToken = Wallet.createRandom().address;
      registerContracts({ RecordToken: recordToken });
      expect(decodeRevert(shared, recordToken)!.contract).to.equal("RecordToken");
      expect(decodeRevert("0xdeadbeef")).to.equal(null);
    });

    it("reports a revert inside an ethers error as a chain refusal (exit 5)", () => {
      const data = ConsentManager__factory.createInterface().encodeErrorResult("UnknownToken", [999n]);
      const error = Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION", data, shortMessage: "execution reverted" });
      expect(isError(error, "CALL_EXCEPTION")).to.equal(true);
      const report = describeError(error);
      expect(report.exitCode).to.equal(5);
      expect(report.message).to.include("ConsentManager.UnknownToken(999)");
    });
  });

  describe("consent list fold", () => {
    const entry = (kind: AuditEntry["kind"], tokenId: string, recipient: string, expiresAt: string | null, at: string): AuditEntry => ({
      kind,
      timestamp: at,
      blockNumber: 1,
      transactionHash: "0x",
      logIndex: 0,
      contract: "0x",
      tokenId,
      patient: "0xP",
      recipient,
      actor: "0xP",
      purpose: "TREAT",
      scopes: kind === "grant" ? ["READ"] : null,
      expiresAt,
      emergency: false,
      consentId: null,
      metadataId: null,
      reasonHash: null,
    });

    it("keeps the latest grant per (token, grantee), drops revoked and expired ones", () => {
      const now = Date.parse("2025-06-01T00:00:00Z");
      const grants = currentGrants(
        [
          entry("grant", "1", "0xA", "2025-07-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z"),
          entry("grant", "1", "0xB", "2025-07-01T00:00:00.000Z", "2025-01-02T00:00:00.000Z"),
          entry("revocation", "1", "0xB", null, "2025-01-03T00:00:00.000Z"),
          entry("grant", "all", "0xC", "2025-05-01T00:00:00.000Z", "2025-01-04T00:00:00.000Z"),
          entry("grant", "1", "0xA", "2025-08-01T00:00:00.000Z", "2025-01-05T00:00:00.000Z"),
          entry("grant", "2", "0xD", "99999999999999", "2025-01-06T00:00:00.000Z"),
          entry("disclosure", "1", "0xA", null, "2025-01-07T00:00:00.000Z"),
        ],
        now,
      );
      expect(grants.map((g) => [g.tokenId, g.grantee, g.expiresAt])).to.deep.equal([
        ["1", "0xA", "2025-08-01T00:00:00.000Z"],
        ["2", "0xD", "99999999999999"],
      ]);
    });
  });

  describe("progress", () => {
    it("draws only without --json, and with --progress or a terminal", () => {
      expect(progressWanted({ json: true, progress: true }, sink(true))).to.equal(false);
      expect(progressWanted({ json: false }, sink(false))).to.equal(false);
      expect(progressWanted({ json: false }, sink(true))).to.equal(true);
      expect(progressWanted({ json: false, progress: true }, sink(false))).to.equal(true);
      expect(renderBar("files", 1, 4, 8, "3 records")).to.equal("files [##......] 1/4  3 records");
    });

    it("redraws one line on a terminal and writes lines elsewhere", () => {
      const tty = sink(true);
      const bar = createProgress("files", true, tty);
      bar.update(1, 2);
      bar.update(2, 2);
      bar.finish();
      expect(tty.text.split("\r\x1b[2K")).to.have.length(3);
      expect(tty.text.endsWith("\n")).to.equal(true);
      const pipe = sink(false);
      const lines = createProgress("files", true, pipe);
      lines.update(1, 2);
      lines.finish();
      expect(pipe.text).to.equal(`${renderBar("files", 1, 2)}\n`);
      const off = sink(true);
      createProgress("files", false, off).update(1, 1);
      expect(off.text).to.equal("");
    });
  });

  describe("options and usage", () => {
    it("parses scopes, token ids and public keys", () => {
      expect(parseScopes("read,APPEND")).to.equal(3);
      expect(() => parseScopes("WRITE")).to.throw(/unknown scope/);
      expect(parseTokenOrAll("all")).to.equal(ALL_RECORDS);
      expect(parseTokenOrAll("12")).to.equal(12n);
      expect(() => parseTokenOrAll("0")).to.throw();
      expect(parsePublicKey("AB".repeat(32))).to.equal(`0x${"ab".repeat(32)}`);
    });

    it("exits 2 on usage errors (JSON on stderr with --json) and 0 for --version", async () => {
      const io = (): CliIo & { stdout: ReturnType<typeof sink>; stderr: ReturnType<typeof sink> } => ({
        stdout: sink(),
        stderr: sink(),
        env: {},
        cwd: os.tmpdir(),
      });
      const unknown = io();
      expect(await main(["node", "medrec", "frobnicate"], unknown)).to.equal(2);
      expect(unknown.stderr.text).to.include("unknown command");
      const json = io();
      expect(await main(["node", "medrec", "--json", "consent", "grant", "--token", "1"], json)).to.equal(2);
      expect(json.stdout.text).to.equal("");
      expect(JSON.parse(json.stderr.text).error.code).to.equal("USAGE");
      const version = io();
      expect(await main(["node", "medrec", "--version"], version)).to.equal(0);
      expect(version.stdout.text.trim()).to.match(/^\d+\.\d+\.\d+/);
      const home = io();
      expect(await main(["node", "medrec", "--home", path.join(os.tmpdir(), "medrec-nowhere"), "consent", "list"], home)).to.equal(2);
      expect(home.stderr.text).to.include("NOT_INITIALISED");
    });
  });

  describe("break-glass", () => {
    const address = () => Wallet.createRandom().address;
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as { code?: string }).code;
      }
      return undefined;
    };
    const errorOf = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      return undefined;
    };

    it("maps BreakGlassError codes to exit codes, keeping the SDK's code over its cause's", () => {
      const expected: Partial<Record<BreakGlassErrorCode, number>> = {
        THRESHOLD_NOT_MET: 5,
        NOT_A_SAFE_OWNER: 5,
        INVALID_SIGNATURE: 5,
        STALE_NONCE: 5,
        EXECUTION_FAILED: 5,
        INVALID_DURATION: 3,
        MISSING_REASON: 3,
        INVALID_SAFE_CONFIG: 3,
      };
      for (const [code, exitCode] of Object.entries(expected)) {
        expect(describeError(new BreakGlassError(code as BreakGlassErrorCode, "x")), code).to.deep.include({ code, exitCode });
      }
      const revert = Object.assign(new Error("execution reverted"), { code: "CALL_EXCEPTION", data: "0x" });
      expect(describeError(new BreakGlassError("EXECUTION_FAILED", "refused", { cause: revert })).code).to.equal("EXECUTION_FAILED");
    });

    it("reads the deployment's `safe` section into the config; configs without it still load and ask to re-run init", async () => {
      expect(Object.keys(SAFE_CONTRACT_KEYS)).to.have.members(Object.keys(SAFE_CONTRACTS));
      const dir = await mkdtemp(path.join(os.tmpdir(), "medrec-safe-config-"));
      try {
        const contracts = Object.fromEntries(["PatientRegistry", "ProviderRegistry", "ConsentManager", "RecordToken"].map((n) => [n, { address: address() }]));
        const safeContracts = Object.fromEntries(Object.keys(SAFE_CONTRACTS).map((n) => [n, { address: address().toLowerCase() }]));
        const officers = address();
        const file = path.join(dir, "d.json");
        await writeFile(file, JSON.stringify({ chainId: 31337, contracts, safe: { version: "1.4.1", source: "npm-artifacts", contracts: safeContracts, breakGlass: { address: officers } } }));
        const read = await readDeploymentFile(file);
        expect(read.safe!.breakGlass).to.equal(officers);
        expect(read.safe!.contracts.safeSingleton).to.equal(getAddress(safeContracts.SafeL2.address)); // checksummed
        await writeFile(file, JSON.stringify({ chainId: 31337, contracts, safe: { version: "1.3.0", contracts: safeContracts } }));
        expect(await readDeploymentFile(file).catch((e: CliError) => e.code)).to.equal("DEPLOYMENT_INVALID");

        const base = { version: 1, rpcUrl: "http://127.0.0.1:1", chainId: "31337", deployment: { file, network: null }, startBlock: 0, ipfs: dir, keys: dir, identity: dir };
        const old = { ...base, contracts: read.contracts } as CliConfig;
        await writeConfig(dir, old);
        const loaded = await loadConfig(dir);
        expect(loaded.safe).to.equal(undefined);
        expect(codeOf(() => configuredSafe(loaded))).to.equal("SAFE_NOT_CONFIGURED");
        expect(describeError(new CliError("SAFE_NOT_CONFIGURED", "x", ExitCode.USAGE)).exitCode).to.equal(2);
        await writeConfig(dir, { ...old, safe: read.safe });
        const withSafe = configuredSafe(await loadConfig(dir));
        expect(withSafe.contracts.safeSingleton).to.equal(read.safe!.contracts.safeSingleton);
        // The client's deployment names the Safe contracts as the deployment file does; the SDK maps them back.
        const deployment = deploymentOf({ ...old, safe: withSafe });
        expect(deployment.safe!.contracts.SafeL2.address).to.equal(read.safe!.contracts.safeSingleton);
        const networks = contractNetworksFor(31337n, safeContractAddressesOf(deployment.safe!.contracts, (what) => new Error(what)));
        expect(networks["31337"].safeSingletonAddress).to.equal(read.safe!.contracts.safeSingleton);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("a proposal file the SDK refuses exits 3 (invalid input), whatever its code", () => {
      for (const code of ["PROPOSAL_INVALID", "PROPOSAL_INCONSISTENT", "PROPOSAL_HASH_MISMATCH", "PROPOSAL_WRONG_CHAIN", "PROPOSAL_WRONG_DEPLOYMENT", "NOT_A_SAFE"] as const) {
        expect(describeError(new BreakGlassError(code, "x")), code).to.deep.include({ code, exitCode: 3 });
      }
      expect(describeError(new BreakGlassError("SAFE_NOT_FOUND", "x")).exitCode).to.equal(4);
      expect(codeOf(() => parseProposal("{", "p.json"))).to.equal("PROPOSAL_INVALID");
      expect(describeError(errorOf(() => parseProposal("{", "p.json"))).exitCode).to.equal(3);
    });

    it("takes the reason from exactly one of --reason and --reason-file (- is standard input, one newline dropped)", async () => {
      const io = (input: string): CliIo => ({ stdout: sink(), stderr: sink(), env: {}, cwd: os.tmpdir(), stdin: Readable.from([Buffer.from(input)]) });
      expect(await reasonText({ reasonFile: "-" }, io("why\n"))).to.equal("why");
      expect(await reasonText({ reason: "why\n" }, io(""))).to.equal("why\n");
      for (const options of [{}, { reason: "a", reasonFile: "-" }]) {
        expect(await reasonText(options, io("")).catch((e: CliError) => e.code)).to.equal("REASON_REQUIRED");
      }
      expect(await reasonText({ reasonFile: "-" }, io("x".repeat(20_000))).catch((e: CliError) => e.code)).to.equal("REASON_TOO_LONG");
    });
  });
});
