import { expect } from "chai";
import fc from "fast-check";
import { RpcNoAnswerError, RpcRefusalError } from "../../sdk/chain/json-rpc";
import { repairNonces, type RepairNode } from "../../resolver/disclosures/nonce-repair";
import { bumpedFees, type Fees, type NonceSlot, type SignedAtNonce } from "../../resolver/disclosures/nonce-slots";

const FEES: Fees = { type: 2, maxFeePerGas: 2_000n, maxPriorityFeePerGas: 100n };

/** A signed disclosure (or no-op) at `nonce`; its "raw" names it, so the fake node can tell what was sent. */
const signed = (nonce: number, noop: boolean, fees: Fees = FEES, tag = ""): SignedAtNonce => ({
  hash: `0x${noop ? "0e" : "d1"}${nonce.toString(16).padStart(4, "0")}${tag}`,
  raw: `${noop ? "noop" : "disclosure"}:${nonce}${tag}`,
  fees,
  noop,
});

/**
 * A node's pool for one account: `latest` mined, the hashes it holds, what it accepts. `sendRaw` of a raw that is
 * already held is refused as known; of a nonce below `latest` as used; `refuse` makes it refuse raws outright.
 */
function fakeNode(latest: number, held: Set<string>, options: { refuse?: (raw: string) => boolean; silent?: boolean } = {}) {
  const sent: string[] = [];
  const pool = new Map<number, string>(); // nonce -> raw
  const node: RepairNode = {
    async count(tag) {
      if (tag === "latest") return latest;
      let next = latest;
      while (pool.has(next) || [...held].some((hash) => parseInt(hash.slice(4, 8), 16) === next)) next++;
      return next;
    },
    known: async (hash) => held.has(hash),
    async sendRaw(raw) {
      sent.push(raw);
      const nonce = Number(raw.split(":")[1].replace(/[^0-9].*$/, ""));
      if (nonce < latest) throw new RpcRefusalError("eth_sendRawTransaction", -32000, "nonce too low");
      if (options.refuse?.(raw)) throw new RpcRefusalError("eth_sendRawTransaction", -32000, "transaction underpriced");
      if (options.silent) throw new RpcNoAnswerError("eth_sendRawTransaction");
      pool.set(nonce, raw);
    },
  };
  return { node, sent, pool };
}

const slot = (nonce: number, cancelled: boolean, extra: SignedAtNonce[] = []): NonceSlot => ({ nonce, signed: [signed(nonce, false), ...extra], cancelled, sentAt: 0 });
const noopAt = async (nonce: number, s: NonceSlot | undefined) => signed(nonce, true, bumpedFees(s?.signed.at(-1)?.fees, FEES), `-${s?.signed.length ?? 0}`);

describe("resolver/disclosures/nonce-repair: a nonce gap of the disclosure account", () => {
  it("a dropped live disclosure is sent again as it was signed; the ones queued behind it are left alone", async () => {
    const slots = new Map([5, 6, 7].map((n) => [n, slot(n, false)]));
    const { node, sent } = fakeNode(5, new Set([signed(6, false).hash, signed(7, false).hash]));
    const report = await repairNonces(node, slots, 8, noopAt);
    expect(report.gap).to.deep.equal({ from: 5, to: 8 });
    expect(report.actions).to.deep.equal([
      { nonce: 5, action: "resent" },
      { nonce: 6, action: "queued" },
      { nonce: 7, action: "queued" },
    ]);
    expect(sent).to.deep.equal(["disclosure:5"]);
    expect(report.nextNonce).to.equal(8);
  });

  it("a dropped disclosure that was given up is never sent again: a no-op at higher fees takes its nonce", async () => {
    const slots = new Map([[5, slot(5, true)]]);
    const { node, sent } = fakeNode(5, new Set());
    const report = await repairNonces(node, slots, 6, noopAt);
    expect(report.actions).to.deep.equal([{ nonce: 5, action: "filled" }]);
    expect(sent).to.have.length(1);
    expect(sent[0]).to.match(/^noop:5/);
    const noop = slots.get(5)!.signed.at(-1)!;
    expect(noop.noop).to.equal(true);
    if (noop.fees.type === 2 && FEES.type === 2) expect(noop.fees.maxPriorityFeePerGas > FEES.maxPriorityFeePerGas).to.equal(true);
  });

  it("a given-up disclosure still queued behind a gap, or in the pool outside one (its cancel failed), is replaced by a no-op", async () => {
    const slots = new Map([5, 6, 9].map((n) => [n, slot(n, n !== 5)]));
    const { node, sent } = fakeNode(5, new Set([signed(6, false).hash, signed(9, false).hash]));
    const report = await repairNonces(node, slots, 7, noopAt); // nonce 9: another process's, outside the numbering
    expect(report.actions).to.deep.equal([
      { nonce: 9, action: "filled" },
      { nonce: 5, action: "resent" },
      { nonce: 6, action: "filled" },
    ]);
    expect(sent.map((raw) => raw.split(":")[0])).to.deep.equal(["noop", "disclosure", "noop"]);
  });

  it("a live disclosure the node refuses again is replaced by a no-op, marked given up, and its batch is told", async () => {
    let told: string | undefined;
    const slots = new Map([[5, { ...slot(5, false), onReplaced: (hash: string) => (told = hash) }]]);
    const { node, sent } = fakeNode(5, new Set(), { refuse: (raw) => raw.startsWith("disclosure") });
    const report = await repairNonces(node, slots, 6, noopAt);
    expect(report.actions).to.deep.equal([{ nonce: 5, action: "filled" }]);
    expect(sent.map((raw) => raw.split(":")[0])).to.deep.equal(["disclosure", "noop"]);
    expect(slots.get(5)!.cancelled).to.equal(true);
    expect(told).to.equal(slots.get(5)!.signed.at(-1)!.hash);
  });

  it("mined nonces are forgotten; a pending count ahead of the local numbering moves it up; no gap, nothing sent", async () => {
    const slots = new Map([3, 4].map((n) => [n, slot(n, false)]));
    const held = new Set([signed(9, false).hash]);
    const { node, sent } = fakeNode(9, held);
    const report = await repairNonces(node, slots, 5, noopAt);
    expect(report.gap).to.equal(undefined);
    expect(report.nextNonce).to.equal(10);
    expect([...slots.keys()]).to.deep.equal([]);
    expect(sent).to.deep.equal([]);
  });

  it("fast-check: after a repair every nonce of the gap is held by the node, every given-up one by a no-op, and no given-up disclosure was ever sent again", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(20),
        fc.array(fc.record({ dropped: fc.boolean(), cancelled: fc.boolean(), hasNoop: fc.boolean() }), { minLength: 1, maxLength: 12 }),
        fc.boolean(),
        async (latest, shape, refuseDisclosures) => {
          const slots = new Map<number, NonceSlot>();
          const held = new Set<string>();
          shape.forEach((s, i) => {
            const nonce = latest + i;
            const extra = s.cancelled && s.hasNoop ? [signed(nonce, true, bumpedFees(FEES, FEES), "-x")] : [];
            const entry = slot(nonce, s.cancelled, extra);
            slots.set(nonce, entry);
            if (!s.dropped) held.add(entry.signed.at(-1)!.hash);
          });
          const cancelledBefore = new Set(shape.flatMap((s, i) => (s.cancelled ? [latest + i] : [])));
          const { node, sent, pool } = fakeNode(latest, held, { refuse: (raw) => refuseDisclosures && raw.startsWith("disclosure") });
          const report = await repairNonces(node, slots, latest + shape.length, noopAt);
          for (let nonce = latest; nonce < latest + shape.length; nonce++) {
            const heldHere = [...held].some((hash) => parseInt(hash.slice(4, 8), 16) === nonce) || pool.has(nonce);
            expect(heldHere, `nonce ${nonce} held`).to.equal(true);
          }
          for (const nonce of cancelledBefore) {
            const noopHere = pool.get(nonce)?.startsWith("noop") || [...held].some((hash) => hash.startsWith("0x0e") && parseInt(hash.slice(4, 8), 16) === nonce);
            expect(noopHere, `given-up nonce ${nonce} is taken by a no-op`).to.equal(true);
          }
          for (const raw of sent) {
            const nonce = Number(raw.split(":")[1].replace(/[^0-9].*$/, ""));
            if (cancelledBefore.has(nonce)) expect(raw.startsWith("noop"), `given-up nonce ${nonce} got ${raw}`).to.equal(true);
          }
          expect(report.nextNonce).to.equal(latest + shape.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
