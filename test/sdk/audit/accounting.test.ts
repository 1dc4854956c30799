import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, toBeHex, type Filter, type FilterByBlockHash } from "ethers";
import {
  AUDIT_EVENT_KINDS,
  AUDIT_TOPICS,
  AuditQueryError,
  accountingOfDisclosures,
  type AccountingOptions,
  type AuditEntry,
  type AuditProvider,
} from "../../../sdk/audit";
import { InvalidArgumentError, MedrecError } from "../../../sdk/errors";
import { Purpose } from "../../../sdk/vocabulary";
import { ALL_TIME, GUARDIANS, auditScenario, disclosureRequest, type AuditScenario } from "./helpers";

const GENERATED_AT = new Date("2030-01-02T03:04:05.000Z");

/** The provider the tests wrap: Hardhat's in-process chain. */
function chain(overrides: Partial<AuditProvider> = {}): AuditProvider {
  const base = ethers.provider;
  return {
    getLogs: (filter: Filter | FilterByBlockHash) => base.getLogs(filter),
    getBlock: (block: string | number) => base.getBlock(block),
    getBlockNumber: () => base.getBlockNumber(),
    getNetwork: () => base.getNetwork(),
    ...overrides,
  } as AuditProvider;
}

/** The accounting of `patient` (default: the scenario's patient) over all time, with fixed `generatedAt`. */
function account(s: AuditScenario, options: Partial<AccountingOptions> = {}) {
  return accountingOfDisclosures({
    provider: chain(),
    contracts: s.contracts,
    patient: s.core.signers.patient.address,
    ...ALL_TIME,
    generatedAt: GENERATED_AT,
    ...options,
  });
}

/** Awaits `promise`, asserts it rejects with `cls` and `code`, returns the error. */
async function rejection(promise: Promise<unknown>, cls: abstract new (...args: never[]) => MedrecError, code: string) {
  let thrown: unknown;
  try {
    await promise;
  } catch (err) {
    thrown = err;
  }
  if (thrown === undefined) expect.fail(`expected ${cls.name} (${code}), nothing was thrown`);
  expect(thrown, String(thrown)).to.be.instanceOf(cls);
  expect((thrown as MedrecError).code).to.equal(code);
  return thrown as MedrecError;
}

const kinds = (entries: AuditEntry[]) => entries.map((e) => e.kind);
const hashes = (entries: AuditEntry[]) => entries.map((e) => `${e.transactionHash}:${e.logIndex}`);

describe("sdk/audit accountingOfDisclosures", () => {
  it("lists exactly the patient's events, in chain order, with every field (all nine kinds)", async () => {
    const s = await loadFixture(auditScenario);
    const expected = s.expected[s.core.signers.patient.address];
    const accounting = await account(s);
    expect(accounting.entries).to.deep.equal(expected);
    expect(kinds(accounting.entries)).to.deep.equal([
      "record-created",
      "grant",
      "grant",
      "record-created",
      "disclosure",
      "emergency-delegate",
      "emergency-access",
      "disclosure",
      "emergency-access-ended",
      "record-updated",
      "record-updated",
      "revocation",
      "emergency-delegate",
      "record-erased",
    ]);
    expect(new Set(kinds(accounting.entries))).to.deep.equal(new Set(AUDIT_EVENT_KINDS));
    const order = accounting.entries.map((e) => [e.blockNumber, e.logIndex]);
    expect(order).to.deep.equal([...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
  });

  it("describes itself: checksummed patient (from a lowercase input), chain id, contracts, period, blocks, generatedAt", async () => {
    const s = await loadFixture(auditScenario);
    const { patient } = s.core.signers;
    const accounting = await account(s, {
      patient: patient.address.toLowerCase(),
      from: new Date("2020-01-01T00:00:00Z"),
      to: 4_102_444_800,
    });
    expect(accounting.patient).to.equal(patient.address);
    expect(accounting.chainId).to.equal(s.core.chainId.toString());
    expect(accounting.contracts).to.deep.equal({ ConsentManager: s.contracts.ConsentManager, RecordToken: s.contracts.RecordToken });
    expect(accounting.period).to.deep.equal({ from: "2020-01-01T00:00:00.000Z", to: "2100-01-01T00:00:00.000Z" });
    expect(accounting.blocks).to.deep.equal({ from: 0, to: await ethers.provider.getBlockNumber() });
    expect(accounting.generatedAt).to.equal(GENERATED_AT.toISOString());
    expect(accounting.entries.every((e) => e.patient === patient.address)).to.equal(true);
  });

  it("excludes another patient's events, including the DataUpdated that carries no patient; theirs have exactly theirs", async () => {
    const s = await loadFixture(auditScenario);
    const { patient, patient2 } = s.core.signers;
    const mine = await account(s);
    const theirs = await account(s, { patient: patient2.address });
    expect(theirs.entries).to.deep.equal(s.expected[patient2.address]);
    expect(kinds(theirs.entries)).to.deep.equal(["record-created", "grant", "emergency-delegate", "disclosure", "record-updated", "record-erased"]);
    const overlap = hashes(mine.entries).filter((h) => hashes(theirs.entries).includes(h));
    expect(overlap).to.deep.equal([]);
    const T2 = String(s.tokens.T2);
    expect(mine.entries.some((e) => e.tokenId === T2)).to.equal(false);
    expect(theirs.entries.every((e) => e.patient === patient2.address)).to.equal(true);
    // Only their emergency delegate is patient-wide; every other entry is on their token.
    expect(theirs.entries.filter((e) => e.tokenId !== T2).map((e) => [e.kind, e.tokenId])).to.deep.equal([["emergency-delegate", "all"]]);
    expect(mine.entries.every((e) => e.patient === patient.address)).to.equal(true);
  });

  it("an account with no events has an empty accounting", async () => {
    const s = await loadFixture(auditScenario);
    const accounting = await account(s, { patient: s.core.signers.outsider.address });
    expect(accounting.entries).to.deep.equal([]);
  });

  describe("emergency delegate (EmergencyDelegateSet)", () => {
    const delegateEntries = (entries: AuditEntry[]) => entries.filter((e) => e.kind === "emergency-delegate");

    it("naming and clearing: patient-wide entries by the patient, the delegate as recipient (null once cleared), ETREAT only when named, never emergency", async () => {
      const s = await loadFixture(auditScenario);
      const { patient } = s.core.signers;
      const entries = delegateEntries((await account(s)).entries);
      const fields = (e: AuditEntry) => [e.tokenId, e.patient, e.actor, e.recipient, e.purpose, e.emergency, e.scopes, e.expiresAt];
      expect(entries.map(fields)).to.deep.equal([
        ["all", patient.address, patient.address, GUARDIANS, "ETREAT", false, null, null],
        ["all", patient.address, patient.address, null, null, false, null, null],
      ]);
      for (const e of entries) {
        expect(e.contract).to.equal(s.contracts.ConsentManager);
        expect([e.consentId, e.metadataId, e.reasonHash]).to.deep.equal([null, null, null]);
      }
    });

    it("another patient's delegate events are not in this patient's accounting, even for the same delegate; the delegate has none", async () => {
      const s = await loadFixture(auditScenario);
      const { patient2 } = s.core.signers;
      const mine = delegateEntries((await account(s)).entries);
      const theirs = delegateEntries((await account(s, { patient: patient2.address })).entries);
      expect(mine).to.have.length(2);
      expect(theirs).to.have.length(1);
      expect(theirs[0]).to.deep.include({ patient: patient2.address, actor: patient2.address, recipient: GUARDIANS, tokenId: "all" });
      expect(hashes(mine).filter((h) => hashes(theirs).includes(h))).to.deep.equal([]);
      // Being named a delegate is an event of the patient's, not of the delegate's.
      expect((await account(s, { patient: GUARDIANS })).entries).to.deep.equal([]);
    });

    it("adds no token id to the DataUpdated step; an account whose only event is a cleared delegate gets that entry alone", async () => {
      const s = await loadFixture(auditScenario);
      const queries: Filter[] = [];
      const provider = chain({
        getLogs: (filter: Filter | FilterByBlockHash) => {
          queries.push(filter as Filter);
          return ethers.provider.getLogs(filter);
        },
      });
      const updateQueries = () => queries.filter((q) => q.topics?.[0] === AUDIT_TOPICS.DataUpdated);
      await account(s, { provider });
      expect(updateQueries().map((q) => q.topics?.[1])).to.deep.equal([[s.tokens.T1, s.tokens.T3].map((t) => toBeHex(t, 32)).sort()]);

      // Clearing is allowed to any account (no registry state may keep a delegate alive).
      const { outsider } = s.core.signers;
      const tx = await s.core.consents.connect(outsider).setEmergencyDelegate(ZeroAddress);
      queries.length = 0;
      const accounting = await account(s, { provider, patient: outsider.address });
      expect(accounting.entries.map((e) => [e.kind, e.transactionHash, e.tokenId, e.actor, e.recipient, e.purpose])).to.deep.equal([
        ["emergency-delegate", tx.hash, "all", outsider.address, null, null],
      ]);
      expect(queries.length).to.be.greaterThan(0);
      expect(updateQueries()).to.deep.equal([]);
    });
  });

  describe("period (block time, both ends inclusive)", () => {
    it("selects each phase's entries and nothing else", async () => {
      const s = await loadFixture(auditScenario);
      const all = s.expected[s.core.signers.patient.address];
      for (const phase of [s.phases.A, s.phases.B, s.phases.C]) {
        const accounting = await account(s, { from: phase.start, to: phase.end });
        const inPhase = all.filter((e) => {
          const t = Date.parse(e.timestamp) / 1000;
          return t >= phase.start && t <= phase.end;
        });
        expect(inPhase.length).to.be.greaterThan(0);
        expect(accounting.entries).to.deep.equal(inPhase);
      }
      const a = await account(s, { from: s.phases.A.start, to: s.phases.A.end });
      expect(kinds(a.entries)).to.deep.equal(["record-created", "grant", "grant", "record-created"]);
      const b = await account(s, { from: s.phases.B.start, to: s.phases.B.end });
      expect(kinds(b.entries)).to.deep.equal(["disclosure", "emergency-delegate", "emergency-access", "disclosure", "emergency-access-ended"]);
      const c = await account(s, { from: s.phases.C.start, to: s.phases.C.end });
      expect(kinds(c.entries)).to.deep.equal(["record-updated", "record-updated", "revocation", "emergency-delegate", "record-erased"]);
    });

    it("includes events at exactly `from` and `to`; one second inside drops them", async () => {
      const s = await loadFixture(auditScenario);
      const b = await account(s, { from: s.phases.B.start, to: s.phases.B.end });
      const first = Date.parse(b.entries[0].timestamp) / 1000;
      const last = Date.parse(b.entries[b.entries.length - 1].timestamp) / 1000;
      expect(first).to.equal(s.phases.B.start);
      expect(last).to.equal(s.phases.B.end);
      const inner = await account(s, { from: first + 1, to: last - 1 });
      expect(inner.entries).to.deep.equal(b.entries.slice(1, -1));
      const point = await account(s, { from: first, to: first });
      expect(point.entries).to.deep.equal([b.entries[0]]);
    });

    it("takes Dates and Unix seconds alike, and a gap between phases is empty", async () => {
      const s = await loadFixture(auditScenario);
      const { start, end } = s.phases.B;
      const bySeconds = await account(s, { from: start, to: end });
      const byDates = await account(s, { from: new Date(start * 1000), to: new Date(end * 1000) });
      expect(byDates).to.deep.equal(bySeconds);
      const gap = await account(s, { from: s.phases.A.end + 1, to: s.phases.B.start - 1 });
      expect(gap.entries).to.deep.equal([]);
    });
  });

  describe("paginated event queries", () => {
    it("pageSize 1 and 3 give the same accounting as a single page, every query within its page", async () => {
      const s = await loadFixture(auditScenario);
      const single = await account(s);
      const latest = await ethers.provider.getBlockNumber();
      for (const pageSize of [1, 3]) {
        const spans: [number, number][] = [];
        const provider = chain({
          getLogs: (filter: Filter | FilterByBlockHash) => {
            const f = filter as Filter;
            spans.push([Number(f.fromBlock), Number(f.toBlock)]);
            return ethers.provider.getLogs(filter);
          },
        });
        const paged = await account(s, { provider, pageSize });
        expect(paged).to.deep.equal(single);
        expect(spans.every(([from, to]) => to >= from && to - from + 1 <= pageSize)).to.equal(true);
        // The first query (the patient's topic) walks the whole range page by page.
        const pages = Math.ceil((latest + 1) / pageSize);
        expect(spans.length).to.be.greaterThanOrEqual(pages * 4); // patient topics, revocations, delegates, updates
        const covered = new Set<number>();
        for (const [from, to] of spans) for (let b = from; b <= to; b++) covered.add(b);
        expect(covered.size).to.equal(latest + 1);
      }
    });

    it("works with a provider that caps getLogs ranges; the default page fails there with AuditQueryError", async () => {
      const s = await loadFixture(auditScenario);
      const CAP = 5;
      const capped = chain({
        getLogs: async (filter: Filter | FilterByBlockHash) => {
          const f = filter as Filter;
          if (Number(f.toBlock) - Number(f.fromBlock) + 1 > CAP) throw new Error(`range exceeds ${CAP} blocks`);
          return ethers.provider.getLogs(filter);
        },
      });
      const err = await rejection(account(s, { provider: capped }), AuditQueryError, "AUDIT_QUERY_FAILED");
      expect(err.message).to.match(/blocks 0\.\.\d+/);
      expect((err.cause as Error).message).to.equal(`range exceeds ${CAP} blocks`);
      expect(await account(s, { provider: capped, pageSize: CAP })).to.deep.equal(await account(s));
    });

    it("reads each block's timestamp at most once", async () => {
      const s = await loadFixture(auditScenario);
      const reads = new Map<number, number>();
      const provider = chain({
        getBlock: (block: string | number) => {
          reads.set(Number(block), (reads.get(Number(block)) ?? 0) + 1);
          return ethers.provider.getBlock(block);
        },
      });
      const accounting = await account(s, { provider, pageSize: 2 });
      expect([...reads.values()].every((n) => n === 1)).to.equal(true);
      // Only blocks holding a candidate event are read, not every block of the range.
      expect(reads.size).to.be.lessThan(accounting.blocks.to);
      for (const entry of accounting.entries) expect(reads.has(entry.blockNumber)).to.equal(true);
    });

    it("orders events of one block by log index, also across pages of one block", async () => {
      const s = await loadFixture(auditScenario);
      const { patient, resolver, provider } = s.core.signers;
      const consent = await s.core.consentFor({ expiresAt: BigInt(await time.latest()) + 86_400n });
      await s.core.consents.connect(patient).grantDirect(consent);
      await ethers.provider.send("evm_setAutomine", [false]);
      let first, second;
      try {
        first = await s.core.consents.connect(resolver).recordDisclosures([disclosureRequest(s.tokens.T1, provider.address, Purpose.TREATMENT)]);
        second = await s.core.consents.connect(resolver).recordDisclosures([disclosureRequest(s.tokens.T1, provider.address, Purpose.TREATMENT)]);
        await ethers.provider.send("evm_mine", []);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      const [r1, r2] = [await first.wait(), await second.wait()];
      expect(r1!.blockNumber).to.equal(r2!.blockNumber);
      for (const pageSize of [1, 10_000]) {
        const accounting = await account(s, { pageSize });
        const tail = accounting.entries.slice(-2);
        expect(tail.map((e) => e.transactionHash)).to.deep.equal([r1!.hash, r2!.hash]);
        expect(tail.map((e) => e.kind)).to.deep.equal(["disclosure", "disclosure"]);
        expect(tail[0].logIndex).to.be.lessThan(tail[1].logIndex);
      }
    });

    it("fromBlock after the mints still finds updates through token ids of later events; toBlock bounds the range", async () => {
      const s = await loadFixture(auditScenario);
      const all = s.expected[s.core.signers.patient.address];
      const firstUpdate = all.find((e) => e.kind === "record-updated")!;
      const fromUpdates = await account(s, { fromBlock: firstUpdate.blockNumber });
      expect(fromUpdates.entries).to.deep.equal(all.filter((e) => e.blockNumber >= firstUpdate.blockNumber));
      expect(kinds(fromUpdates.entries)).to.deep.equal(["record-updated", "record-updated", "revocation", "emergency-delegate", "record-erased"]);
      expect(fromUpdates.blocks.from).to.equal(firstUpdate.blockNumber);

      const untilUpdate = await account(s, { toBlock: firstUpdate.blockNumber, pageSize: 4 });
      expect(untilUpdate.entries).to.deep.equal(all.filter((e) => e.blockNumber <= firstUpdate.blockNumber));
      expect(untilUpdate.blocks.to).to.equal(firstUpdate.blockNumber);

      const beyond = await account(s, { fromBlock: (await ethers.provider.getBlockNumber()) + 1 });
      expect(beyond.entries).to.deep.equal([]);
    });

    it("a node that ignores topic filters cannot add another patient's events", async () => {
      const s = await loadFixture(auditScenario);
      const sloppy = chain({
        getLogs: (filter: Filter | FilterByBlockHash) => {
          const { topics: _ignored, ...rest } = filter as Filter;
          return ethers.provider.getLogs(rest);
        },
      });
      expect(await account(s, { provider: sloppy, pageSize: 7 })).to.deep.equal(await account(s));
    });
  });

  describe("arguments", () => {
    const cases: [string, Partial<AccountingOptions>][] = [
      ["a patient that is not an address", { patient: "0x1234" }],
      ["a RecordToken that is not an address", { contracts: { ConsentManager: ethers.ZeroAddress, RecordToken: "nope" } }],
      ["a PatientRegistry that is not an address", { contracts: { ConsentManager: ethers.ZeroAddress, RecordToken: ethers.ZeroAddress, PatientRegistry: "0x" } }],
      ["from after to", { from: 2_000, to: 1_000 }],
      ["an invalid Date", { from: new Date("not a date") }],
      ["a non-finite time", { to: Number.POSITIVE_INFINITY }],
      ["pageSize 0", { pageSize: 0 }],
      ["a fractional pageSize", { pageSize: 1.5 }],
      ["a negative fromBlock", { fromBlock: -1 }],
      ["a fractional toBlock", { toBlock: 2.5 }],
    ];
    for (const [what, options] of cases) {
      it(`rejects ${what} with InvalidArgumentError before reading the chain`, async () => {
        const s = await loadFixture(auditScenario);
        let calls = 0;
        const counting = chain({
          getNetwork: () => {
            calls++;
            return ethers.provider.getNetwork();
          },
        });
        await rejection(account(s, { provider: counting, ...options }), InvalidArgumentError, "INVALID_ARGUMENT");
        expect(calls).to.equal(0);
      });
    }

    it("wraps a failing block read in AuditQueryError", async () => {
      const s = await loadFixture(auditScenario);
      const provider = chain({ getBlock: async () => null });
      const err = await rejection(account(s, { provider }), AuditQueryError, "AUDIT_QUERY_FAILED");
      expect(err.message).to.match(/block \d+/);
    });
  });
});
