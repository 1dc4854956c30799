/**
 * The break-glass proposal file format (`sdk/breakglass/proposal-file.ts`), without a chain: strict parsing, the
 * round trip through its text, the checks that bind a file to one chain and deployment, a file made from a
 * proposal, and the nonce check.
 */
import { expect } from "chai";
import { Wallet, ZeroAddress, keccak256, toUtf8Bytes } from "ethers";
import { ConsentManager__factory } from "../../../sdk/chain/contracts";
import { breakglass } from "../../../sdk";

const { PROPOSAL_KIND, checkProposalTarget, parseProposal, proposalFileOf, proposalText, requireCurrentNonce } = breakglass;

describe("sdk/breakglass proposal file", () => {
  const cm = ConsentManager__factory.createInterface();
  const address = () => Wallet.createRandom().address;
  const consentManager = address();
  const grantee = address();
  const reasonHash = keccak256(toUtf8Bytes("synthetic reason"));
  const proposal = (): breakglass.BreakGlassProposal => ({
    kind: PROPOSAL_KIND,
    version: 1,
    chainId: "31337",
    safe: address(),
    consentManager,
    proposer: address(),
    createdAt: new Date(0).toISOString(),
    call: { function: "emergencyAccess", tokenId: "7", grantee, durationSeconds: 3600 },
    reasonHash,
    safeTransaction: {
      to: consentManager,
      value: "0",
      data: cm.encodeFunctionData("emergencyAccess", [7n, grantee, reasonHash, 3600n]),
      operation: 0,
      safeTxGas: "0",
      baseGas: "0",
      gasPrice: "0",
      gasToken: ZeroAddress,
      refundReceiver: ZeroAddress,
      nonce: 3,
    },
    safeTxHash: keccak256("0x01"),
    signatures: {},
  });
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(error).to.be.instanceOf(breakglass.BreakGlassError);
      expect((error as breakglass.BreakGlassError).category).to.equal("invalid-input");
      return (error as { code?: string }).code;
    }
    return undefined;
  };
  const parse = (value: unknown) => () => parseProposal(JSON.stringify(value), "p.json");

  it("parses proposal files strictly: round trip, unknown fields, edits, refunds, signature kinds", () => {
    const good = proposal();
    expect(parseProposal(proposalText(good), "p.json")).to.deep.equal(good);
    expect(codeOf(parse({ ...good, reason: "text" }))).to.equal("PROPOSAL_INVALID");
    expect(codeOf(parse({ ...good, kind: "other" }))).to.equal("PROPOSAL_INVALID");
    expect(codeOf(parse({ ...good, call: { ...good.call, tokenId: "8" } }))).to.equal("PROPOSAL_INCONSISTENT");
    expect(codeOf(parse({ ...good, call: { ...good.call, durationSeconds: 7200 } }))).to.equal("PROPOSAL_INCONSISTENT");
    expect(codeOf(parse({ ...good, reasonHash: keccak256("0x02") }))).to.equal("PROPOSAL_INCONSISTENT");
    expect(codeOf(parse({ ...good, consentManager: address() }))).to.equal("PROPOSAL_INCONSISTENT");
    expect(codeOf(parse({ ...good, safeTransaction: { ...good.safeTransaction, operation: 1 } }))).to.equal("PROPOSAL_INVALID");
    expect(codeOf(parse({ ...good, safeTransaction: { ...good.safeTransaction, gasPrice: "1", refundReceiver: address() } }))).to.equal("PROPOSAL_INVALID");
    const owner = Wallet.createRandom();
    const signature = owner.signingKey.sign(good.safeTxHash).serialized;
    expect(parseProposal(JSON.stringify({ ...good, signatures: { [owner.address.toLowerCase()]: signature } }), "p.json").signatures).to.deep.equal({
      [owner.address]: signature.toLowerCase(),
    });
    const preValidated = `0x${"00".repeat(64)}01`;
    expect(codeOf(parse({ ...good, signatures: { [owner.address]: preValidated } }))).to.equal("PROPOSAL_INVALID");
    expect(codeOf(() => parseProposal("{", "p.json"))).to.equal("PROPOSAL_INVALID");
  });

  it("names the file in its messages and never carries more than the hash of the reason", () => {
    const good = proposal();
    const text = proposalText(good);
    expect(text).to.not.include("synthetic reason");
    expect(Object.keys(JSON.parse(text))).to.deep.equal(["kind", "version", "chainId", "safe", "consentManager", "proposer", "createdAt", "call", "reasonHash", "safeTransaction", "safeTxHash", "signatures"]);
    try {
      parseProposal("[]", "/tmp/officers/p.json");
      expect.fail("parsed");
    } catch (error) {
      expect((error as Error).message).to.include("/tmp/officers/p.json");
    }
  });

  it("binds a file to one chain and one ConsentManager", () => {
    const good = proposal();
    expect(() => checkProposalTarget(good, { chainId: 31337n, consentManager })).to.not.throw();
    expect(() => checkProposalTarget(good, { chainId: "31337", consentManager: consentManager.toLowerCase() })).to.not.throw();
    expect(codeOf(() => checkProposalTarget(good, { chainId: 1n, consentManager }))).to.equal("PROPOSAL_WRONG_CHAIN");
    expect(codeOf(() => checkProposalTarget(good, { chainId: 31337n, consentManager: address() }))).to.equal("PROPOSAL_WRONG_DEPLOYMENT");
  });

  it("makes the file of a fresh proposal: the decoded call, lower-case hashes, the signatures so far", () => {
    const good = proposal();
    const owner = Wallet.createRandom();
    const signature = owner.signingKey.sign(good.safeTxHash).serialized;
    const built = proposalFileOf(
      {
        safeAddress: good.safe.toLowerCase(),
        safeTxHash: good.safeTxHash.toUpperCase().replace("0X", "0x"),
        reasonHash,
        safeTransaction: {
          data: { ...good.safeTransaction, to: good.safeTransaction.to.toLowerCase(), nonce: 3 },
          signatures: new Map([[owner.address.toLowerCase(), { signer: owner.address.toLowerCase(), data: signature }]]),
        } as never,
      },
      { chainId: 31337n, consentManager, proposer: good.proposer, tokenId: 7n, grantee, durationSeconds: 3600, createdAt: new Date(0) },
    );
    expect(built).to.deep.equal({ ...good, signatures: { [owner.address]: signature.toLowerCase() } });
    expect(parseProposal(proposalText(built), "p.json")).to.deep.equal(built);
  });

  it("accepts a proposal only at the Safe's current nonce", () => {
    const good = proposal();
    expect(() => requireCurrentNonce(good, 3)).to.not.throw();
    for (const [nonce, words] of [[4, "already executed or replaced"], [2, "an earlier Safe transaction is pending"]] as const) {
      try {
        requireCurrentNonce(good, nonce);
        expect.fail("accepted");
      } catch (error) {
        expect(error).to.be.instanceOf(breakglass.BreakGlassError);
        expect((error as breakglass.BreakGlassError).code).to.equal("STALE_NONCE");
        expect((error as Error).message).to.include(words);
      }
    }
  });
});
