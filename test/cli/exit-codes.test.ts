/**
 * Exit codes from error categories: every SDK category maps to one exit code, the codes the CLI mapped before
 * categories keep their exit codes, reports carry their category (in the `--json` error body too), and an
 * unreachable node is `NETWORK_ERROR`, exit 1.
 */
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { expect } from "chai";
import { JsonRpcProvider, Network } from "ethers";
import { ERROR_CATEGORIES, InvalidArgumentError, InvalidKeyError, MedrecError, type ErrorCategory } from "../../sdk/errors";
import { BreakGlassError } from "../../sdk/breakglass";
import { ResolverError } from "../../sdk/resolver";
import { RecordWriteError } from "../../sdk/records";
import { UnsupportedCidError } from "../../sdk/storage/errors";
import { CATEGORY_EXIT_CODES, CliError, ExitCode, describeError } from "../../cli/src/errors";
import { main } from "../../cli/src/main";
import type { CliIo } from "../../cli/src/context";

/** A stream that keeps what is written. */
function sink(): { text: string; isTTY: boolean; write(chunk: string, callback?: (error?: Error | null) => void): boolean } {
  const stream = {
    text: "",
    isTTY: false,
    write(chunk: string, callback?: (error?: Error | null) => void) {
      stream.text += chunk;
      callback?.();
      return true;
    },
  };
  return stream;
}

describe("medrec CLI exit codes from error categories", () => {
  it("maps each category to its exit code", () => {
    expect(Object.keys(CATEGORY_EXIT_CODES).sort()).to.deep.equal([...ERROR_CATEGORIES].sort());
    const expected: Record<ErrorCategory, number> = { "invalid-input": 3, "not-found": 4, refused: 5, unavailable: 1, integrity: 1, internal: 1 };
    for (const category of ERROR_CATEGORIES) {
      const report = describeError(new MedrecError("SOME_CODE", category, "m"));
      expect(report, category).to.deep.include({ code: "SOME_CODE", category, exitCode: expected[category] });
    }
  });

  it("keeps the exit codes of the codes the CLI listed before categories", () => {
    const resolver = (code: string) => new ResolverError(code, 400, "m");
    const cases: [MedrecError, number][] = [
      [new InvalidArgumentError(), 3],
      [new InvalidKeyError(), 3],
      [new UnsupportedCidError("bafy", "CIDv0"), 3],
      [new BreakGlassError("MISSING_REASON", "m"), 3],
      [resolver("UNKNOWN_RECORD"), 4],
      [resolver("KEY_NOT_DEPOSITED"), 4],
      [resolver("RECORD_ERASED"), 4],
      [new RecordWriteError("reverted"), 5],
      ...["ACCESS_DENIED", "INVALID_SIGNATURE", "REQUEST_EXPIRED", "NONCE_REPLAYED", "NOT_RECORD_WRITER", "VERSION_MISMATCH", "KEY_DOES_NOT_OPEN", "RATE_LIMITED"].map(
        (code): [MedrecError, number] => [resolver(code), 5],
      ),
      [new MedrecError("PROPOSAL_REFUSED", "refused", "m"), 5],
      [resolver("RESOLVER_UNREACHABLE"), 1],
      [resolver("RESOLVER_BAD_RESPONSE"), 1],
      [resolver("INVALID_REQUEST"), 1],
      [resolver("CHAIN_UNAVAILABLE"), 1],
    ];
    for (const [error, exitCode] of cases) expect(describeError(error).exitCode, error.code).to.equal(exitCode);
  });

  it("gives a CliError the category of its exit code unless it names one", () => {
    expect(new CliError("X", "x", ExitCode.USAGE).category).to.equal("invalid-input");
    expect(new CliError("X", "x", ExitCode.NOT_FOUND).category).to.equal("not-found");
    expect(new CliError("X", "x", ExitCode.REFUSED).category).to.equal("refused");
    expect(new CliError("X", "x", ExitCode.FAILURE).category).to.equal("internal");
    const unreachable = new CliError("RPC_UNREACHABLE", "x", ExitCode.FAILURE, undefined, { category: "unavailable" });
    expect(describeError(unreachable)).to.deep.include({ category: "unavailable", exitCode: 1 });
    // the CliError's own exit code wins over its category's (usage is 2, not invalid input's 3)
    expect(describeError(new CliError("X", "x", ExitCode.USAGE)).exitCode).to.equal(2);
  });

  it("reports a node that refuses the connection as NETWORK_ERROR, unavailable, exit 1", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const rpc = new JsonRpcProvider(`http://127.0.0.1:${port}`, Network.from(1n), { staticNetwork: true });
    let error: unknown;
    try {
      await rpc.getBlockNumber();
    } catch (caught) {
      error = caught;
    } finally {
      rpc.destroy();
    }
    expect(describeError(error)).to.deep.include({ code: "NETWORK_ERROR", category: "unavailable", exitCode: 1 });
    expect(describeError(new Error("boom"))).to.deep.include({ code: "UNEXPECTED", category: "internal", exitCode: 1 });
  });

  it("puts the category in the --json error body", async () => {
    const io = (): CliIo & { stdout: ReturnType<typeof sink>; stderr: ReturnType<typeof sink> } => ({ stdout: sink(), stderr: sink(), env: {}, cwd: os.tmpdir() });
    const usage = io();
    expect(await main(["node", "medrec", "--json", "frobnicate"], usage)).to.equal(2);
    expect(JSON.parse(usage.stderr.text).error).to.deep.include({ code: "USAGE", category: "invalid-input", exitCode: 2 });
    const home = io();
    expect(await main(["node", "medrec", "--json", "--home", path.join(os.tmpdir(), "medrec-nowhere"), "consent", "list"], home)).to.equal(2);
    expect(JSON.parse(home.stderr.text).error).to.deep.include({ code: "NOT_INITIALISED", category: "invalid-input", exitCode: 2 });
  });
});
