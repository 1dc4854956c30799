/**
 * Which chains `--fund-from-dev-account` accepts (local chain ids and deployment networks, nothing else), and the
 * size column of `record list`.
 */
import { expect } from "chai";
import { isLocalChain, requireLocalChain } from "../../cli/src/dev-funding";
import { humanBytes } from "../../cli/src/commands/record-list";
import { CliError, ExitCode } from "../../cli/src/errors";

describe("medrec CLI: local chains and sizes", () => {
  const deployment = (network: string | null) => ({ file: "/x.json", network });

  it("local: chain ids 31337, 260, 270, or a hardhat/localhost/zkSyncLocal deployment", () => {
    for (const chainId of ["31337", "260", "270"]) expect(isLocalChain({ chainId, deployment: deployment("clinic") })).to.equal(true);
    expect(isLocalChain({ chainId: "1337", deployment: deployment("localhost") })).to.equal(true);
    for (const chainId of ["1", "324", "300", "11155111"]) expect(isLocalChain({ chainId, deployment: deployment(null) })).to.equal(false);
    expect(isLocalChain({ chainId: "324", deployment: deployment("zkSyncMainnet") })).to.equal(false);
  });

  it("refuses off a local chain with a usage error that says why", () => {
    try {
      requireLocalChain({ chainId: "324", deployment: deployment("zkSyncMainnet") });
      expect.fail("accepted a mainnet");
    } catch (error) {
      expect(error).to.be.instanceOf(CliError);
      expect((error as CliError).code).to.equal("NOT_LOCAL_CHAIN");
      expect((error as CliError).exitCode).to.equal(ExitCode.USAGE);
      expect((error as CliError).message).to.include("local development chain only");
    }
  });

  it("sizes in B, KiB, MiB", () => {
    expect(humanBytes(0)).to.equal("0 B");
    expect(humanBytes(1023)).to.equal("1023 B");
    expect(humanBytes(1536)).to.equal("1.5 KiB");
    expect(humanBytes(200 * 1024)).to.equal("200 KiB");
    expect(humanBytes(3 * 1024 * 1024)).to.equal("3.0 MiB");
  });
});
