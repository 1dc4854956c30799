/**
 * The CLI's pure parts, without a chain: identity files, error → exit code mapping and revert decoding, the
 * grant fold of `consent list`, the progress bar, option parsers, and the program's usage exits.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Wallet, isError } from "ethers";
import { ConsentManager__factory } from "../../typechain-types";
import { FhirValidationError } from "../../sdk/fhir";
import { RecordKeyNotFoundError, RecordNotFoundError } from "../../sdk/records";
import { ContentNotFoundError } from "../../sdk/storage/errors";
import { ALL_RECORDS } from "../../sdk/consent/typed-data";
import { createIdentity, loadIdentity, unlockEncryptionKey, unlockSigner, X25519_KEY_FILE } from "../../sdk/cli/identity";
import { CliError, ExitCode, decodeRevert, describeError, registerContracts } from "../../sdk/cli/errors";
import { currentGrants } from "../../sdk/cli/grants";
import { createProgress, progressWanted, renderBar } from "../../sdk/cli/progress";
import { parseScopes, parseTokenOrAll, parsePublicKey } from "../../sdk/cli/options";
import { main } from "../../sdk/cli/main";
import type { CliIo } from "../../sdk/cli/context";
import type { TextSink } from "../../sdk/cli/output";
import type { AuditEntry } from "../../sdk/audit";

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
    it("maps SDK errors to exit codes; FHIR issues by path and code only", () => {
      const fhir = new FhirValidationError([{ path: "Patient.birthDate", message: "Invalid date format 'SECRET'", code: "invalid" }]);
      const report = describeError(fhir);
      expect(report.exitCode).to.equal(3);
      expect(report.message).to.include("Patient.birthDate (invalid)");
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
});
