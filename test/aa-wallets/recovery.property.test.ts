import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import { Wallet, ZeroAddress } from "ethers";
import { guardedAccount, type GuardedAccount } from "../helpers/guarded-account";
import { cancelRecovery } from "../../sdk/wallet";
import { revertDataOf } from "../../era-test-node/bootloader/impersonation";
import type { TestSigner } from "../helpers/chain";

const DELAY = 48n * 3600n;
const LIFETIME = 7n * 86_400n;
const WINDOW = 7n * 86_400n;
const THRESHOLD = 2;

/**
 * A small, independent model of the recovery rules: proposals per candidate in the current epoch, each with the
 * set of guardians whose vote counts for it; a guardian's vote names one proposal instance.
 */
interface ModelProposal {
  proposedAt: bigint;
  executeAfter: bigint;
  voters: Set<number>;
}

interface Model {
  owner: string;
  epoch: bigint;
  proposals: Map<string, ModelProposal>;
  votes: Map<number, { candidate: string; proposedAt: bigint }>;
  /** Block time of the last command. */
  now: bigint;
  /** Owner changes the model allowed, with why (checked against the rule of the issue). */
  rotations: { to: string; voters: number; at: bigint; executeAfter: bigint; scheduledInEpoch: bigint }[];
}

interface Real {
  fx: GuardedAccount;
  /** Guardians 0–2 and an outsider (3). */
  actors: TestSigner[];
  candidates: string[];
}

const expiresAt = (p: ModelProposal) => (p.executeAfter === 0n ? p.proposedAt + LIFETIME : p.executeAfter + WINDOW);
const isLive = (p: ModelProposal, t: bigint) => t < expiresAt(p);

/** Takes `guardian`'s vote off the proposal it counts for (if it still counts at `t`). */
function withdraw(m: Model, guardian: number, t: bigint): boolean {
  const vote = m.votes.get(guardian);
  if (!vote) return false;
  const p = m.proposals.get(vote.candidate);
  if (!p || p.proposedAt !== vote.proposedAt || !isLive(p, t) || !p.voters.has(guardian)) return false;
  p.voters.delete(guardian);
  if (p.executeAfter !== 0n && p.voters.size < THRESHOLD) p.executeAfter = 0n;
  return true;
}

function cast(m: Model, guardian: number, candidate: string, t: bigint): void {
  const p = m.proposals.get(candidate)!;
  m.votes.set(guardian, { candidate, proposedAt: p.proposedAt });
  p.voters.add(guardian);
  if (p.voters.size >= THRESHOLD && p.executeAfter === 0n) p.executeAfter = t + DELAY;
}

function endEpoch(m: Model): void {
  m.epoch += 1n;
  m.proposals = new Map();
  m.votes = new Map();
}

/** The custom error a transaction reverted with, or "ok". */
async function outcome(real: Real, send: () => Promise<{ wait(): Promise<unknown> }>): Promise<string> {
  try {
    await (await send()).wait();
    return "ok";
  } catch (error) {
    const parsed = real.fx.w.account.interface.parseError(revertDataOf(error));
    return parsed?.name ?? `unknown revert: ${String(error)}`;
  }
}

/** Sends an ordinary transaction at the next second and returns its outcome and its block time. */
async function atNextSecond(m: Model, real: Real, send: () => Promise<{ wait(): Promise<unknown> }>): Promise<[string, bigint]> {
  const t = m.now + 1n;
  await time.setNextBlockTimestamp(t);
  const result = await outcome(real, send);
  // a reverted call may or may not have been mined (at t); either way the clock moves on to t with the model
  if (BigInt((await ethers.provider.getBlock("latest"))!.timestamp) < t) await time.increaseTo(t);
  m.now = t;
  return [result, t];
}

/**
 * One step of the state machine: acts on the contract and on the model (expecting the outcome the model predicts),
 * then checks that the contract's observable state equals the model's, and that the owner changed only through an
 * execute the model allowed.
 */
abstract class Step implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  abstract act(m: Model, real: Real): Promise<void>;
  async run(m: Model, real: Real): Promise<void> {
    const owner = m.owner;
    const rotations = m.rotations.length;
    await this.act(m, real);
    await expectSameState(m, real);
    if (m.rotations.length === rotations) expect(m.owner, `${this} changed the owner`).to.equal(owner);
  }
}

class Propose extends Step {
  constructor(readonly actor: number, readonly candidate: number) {
    super();
  }
  async act(m: Model, real: Real) {
    const candidate = real.candidates[this.candidate];
    const [result, t] = await atNextSecond(m, real, () => real.fx.w.account.connect(real.actors[this.actor]).proposeRecovery(candidate));
    let expected = "ok";
    const existing = m.proposals.get(candidate);
    if (this.actor > 2) expected = "NotGuardian";
    else if (candidate === m.owner) expected = "InvalidNewOwner";
    else if (existing && isLive(existing, t)) expected = "RecoveryAlreadyProposed";
    expect(result, this.toString()).to.equal(expected);
    if (expected !== "ok") return;
    withdraw(m, this.actor, t);
    m.proposals.set(candidate, { proposedAt: t, executeAfter: 0n, voters: new Set() });
    cast(m, this.actor, candidate, t);
  }
  toString = () => `propose(g${this.actor}, c${this.candidate})`;
}

/** `index`, or for -1 (a step aimed at progress) the first candidate whose model proposal `wanted` accepts (else the first). */
function target(m: Model, real: Real, index: number, wanted: (p: ModelProposal) => boolean): string {
  if (index >= 0) return real.candidates[index];
  return real.candidates.find((c) => {
    const p = m.proposals.get(c);
    return p !== undefined && wanted(p);
  }) ?? real.candidates[0];
}

class Approve extends Step {
  /** @param candidate A candidate index, or -1: the first candidate with a proposal the actor did not vote for. */
  constructor(readonly actor: number, readonly candidate: number) {
    super();
  }
  async act(m: Model, real: Real) {
    const candidate = target(m, real, this.candidate, (p) => !p.voters.has(this.actor));
    const [result, t] = await atNextSecond(m, real, () => real.fx.w.account.connect(real.actors[this.actor]).approveRecovery(candidate));
    const p = m.proposals.get(candidate);
    let expected = "ok";
    if (this.actor > 2) expected = "NotGuardian";
    else if (!p) expected = "RecoveryNotProposed";
    else if (!isLive(p, t)) expected = "RecoveryExpired";
    else if (p.voters.has(this.actor)) expected = "AlreadyApproved";
    expect(result, this.toString()).to.equal(expected);
    if (expected !== "ok") return;
    withdraw(m, this.actor, t);
    cast(m, this.actor, candidate, t);
  }
  toString = () => `approve(g${this.actor}, ${this.candidate < 0 ? "a proposed candidate" : `c${this.candidate}`})`;
}

class Withdraw extends Step {
  constructor(readonly actor: number) {
    super();
  }
  async act(m: Model, real: Real) {
    const [result, t] = await atNextSecond(m, real, () => real.fx.w.account.connect(real.actors[this.actor]).withdrawRecoveryVote());
    if (this.actor > 2) {
      expect(result, this.toString()).to.equal("NotGuardian");
      return;
    }
    const counted = withdraw(m, this.actor, t);
    expect(result, this.toString()).to.equal(counted ? "ok" : "NoRecoveryVote");
    if (counted) m.votes.delete(this.actor);
  }
  toString = () => `withdraw(g${this.actor})`;
}

class Execute extends Step {
  /** @param candidate A candidate index, or -1: the first candidate with a scheduled proposal. */
  constructor(readonly candidate: number) {
    super();
  }
  async act(m: Model, real: Real) {
    const candidate = target(m, real, this.candidate, (p) => p.executeAfter !== 0n);
    const [result, t] = await atNextSecond(m, real, () => real.fx.w.account.connect(real.actors[3]).executeRecovery(candidate));
    const p = m.proposals.get(candidate);
    let expected = "ok";
    if (!p) expected = "RecoveryNotProposed";
    else if (!isLive(p, t)) expected = "RecoveryExpired";
    else if (p.executeAfter === 0n || t < p.executeAfter) expected = "RecoveryNotReady";
    expect(result, this.toString()).to.equal(expected);
    if (expected !== "ok") return;
    m.rotations.push({ to: candidate, voters: p!.voters.size, at: t, executeAfter: p!.executeAfter, scheduledInEpoch: m.epoch });
    m.owner = candidate;
    endEpoch(m);
  }
  toString = () => `execute(${this.candidate < 0 ? "a scheduled candidate" : `c${this.candidate}`})`;
}

class Cancel extends Step {
  async act(m: Model, real: Real) {
    // the owner's sponsored self-call; owned by the key the account was created with, until a recovery
    if (m.owner !== real.fx.w.owner.address) return;
    const result = await cancelRecovery(real.fx.f.context, real.fx.w);
    expect(result.status).to.equal("success");
    m.now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    endEpoch(m);
  }
  toString = () => "cancel()";
}

class Advance extends Step {
  constructor(readonly seconds: bigint) {
    super();
  }
  async act(m: Model) {
    await time.increase(this.seconds);
    m.now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  }
  toString = () => `advance(${this.seconds / 3600n} h)`;
}

/** The contract's observable state equals the model's. */
async function expectSameState(m: Model, real: Real): Promise<void> {
  const { account } = real.fx.w;
  expect(await account.owner()).to.equal(m.owner);
  expect(await account.recoveryEpoch()).to.equal(m.epoch);
  for (const candidate of real.candidates) {
    const p = m.proposals.get(candidate);
    const { proposal } = await account.recoveryProposal(candidate);
    expect([proposal.proposedAt, proposal.executeAfter, proposal.approvals], `proposal of ${candidate}`).to.deep.equal(
      p ? [p.proposedAt, p.executeAfter, BigInt(p.voters.size)] : [0n, 0n, 0n],
    );
  }
  for (let g = 0; g < 3; g++) {
    const vote = m.votes.get(g);
    const p = vote && m.proposals.get(vote.candidate);
    const counts = vote && p && p.proposedAt === vote.proposedAt && isLive(p, m.now) && p.voters.has(g);
    expect(await account.recoveryVoteOf(real.actors[g].address), `vote of g${g}`).to.equal(counts ? vote.candidate : ZeroAddress);
  }
}

describe("aa-wallets: recovery state machine (model-based property)", function () {
  this.timeout(600_000);

  it("matches a small model under random propose/approve/withdraw/cancel/advance/execute sequences; the owner only ever rotates to a candidate threshold guardians voted for, after the delay, before expiry, with no cancel in between", async () => {
    // weighted towards what makes progress (two fresh candidates, guardians more often than the outsider), so that
    // runs reach scheduled proposals, executions, expiries and moved votes, not only refusals
    const actor = fc.constantFrom(0, 1, 2, 0, 1, 2, 3);
    const candidate = fc.constantFrom(0, 0, 1, 2);
    const propose = fc.tuple(actor, candidate).map(([a, c]) => new Propose(a, c));
    const approve = fc.tuple(actor, fc.constantFrom(-1, -1, -1, 0, 1, 2)).map(([a, c]) => new Approve(a, c));
    const execute = fc.constantFrom(-1, -1, 0, 1, 2).map((c) => new Execute(c));
    const advance = fc.constantFrom(3_600n, DELAY - 1n, DELAY, DELAY, 3n * 86_400n, LIFETIME, 8n * 86_400n).map((s) => new Advance(s));
    const step = fc.oneof(
      { arbitrary: propose, weight: 3 },
      { arbitrary: approve, weight: 4 },
      { arbitrary: actor.map((a) => new Withdraw(a)), weight: 1 },
      { arbitrary: execute, weight: 2 },
      { arbitrary: fc.constant(new Cancel()), weight: 1 },
      { arbitrary: advance, weight: 3 },
    );
    // sequences long enough to reach schedules, executions and expiries (fc.commands favours short ones)
    const commands = fc.array(step, { minLength: 12, maxLength: 28 });
    await fc.assert(
      fc.asyncProperty(commands, async (cmds) => {
        const fx = await loadFixture(guardedAccount);
        const [g1, g2, g3] = fx.f.guardians;
        // candidates: two fresh keys and the current owner (proposing it is refused)
        const candidates = [Wallet.createRandom().address, Wallet.createRandom().address, fx.w.owner.address];
        const real: Real = { fx, actors: [g1, g2, g3, fx.f.signers.outsider], candidates };
        const model: Model = {
          owner: fx.w.owner.address,
          epoch: await fx.w.account.recoveryEpoch(),
          proposals: new Map(),
          votes: new Map(),
          now: BigInt((await ethers.provider.getBlock("latest"))!.timestamp),
          rotations: [],
        };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        for (const rotation of model.rotations) {
          expect(rotation.voters).to.be.at.least(THRESHOLD);
          expect(rotation.at).to.be.at.least(rotation.executeAfter);
          expect(rotation.at).to.be.lessThan(rotation.executeAfter + WINDOW);
        }
      }),
      { numRuns: 40 },
    );
  });
});
