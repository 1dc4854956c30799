import { expect } from "chai";
import fc from "fast-check";
import { ZeroAddress, encodeBytes32String, getAddress, zeroPadValue, type Log } from "ethers";
import {
  AUDIT_TOPICS,
  AuditQueryError,
  BlockTimestamps,
  blockRanges,
  decodeAuditLog,
  decodePurpose,
  didPkh,
  formatExpiry,
  formatTokenId,
  recordTokenIdentifier,
  scopeNames,
} from "../../../sdk/audit";
import { CONSENT_MANAGER_INTERFACE, RECORD_TOKEN_INTERFACE } from "../../../sdk/audit/events";
import { ALL_RECORDS, Purpose } from "../../../sdk/vocabulary";
import { InvalidArgumentError } from "../../../sdk/errors";

const CM = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const RT = getAddress("0xe7f1725e7734ce288f8367e1bb143e90bb3f0512");
const PATIENT = getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906");
const GRANTEE = getAddress("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
const RESOLVER = getAddress("0x70997970c51812dc3a010c7d01b50e20d17dc79c");

/** A log as getLogs returns it, for `event` of `iface` emitted by `address`. */
function logOf(iface: typeof CONSENT_MANAGER_INTERFACE | typeof RECORD_TOKEN_INTERFACE, event: string, args: unknown[], address: string): Log {
  const { topics, data } = iface.encodeEventLog(event, args);
  return { address, topics, data, blockNumber: 9, index: 4, transactionHash: "0x" + "cd".repeat(32), removed: false } as unknown as Log;
}

describe("sdk/audit event decoding", () => {
  it("formatTokenId: decimal, and 'all' for ALL_RECORDS only", () => {
    expect(formatTokenId(1n)).to.equal("1");
    expect(formatTokenId(ALL_RECORDS - 1n)).to.equal((ALL_RECORDS - 1n).toString());
    expect(formatTokenId(ALL_RECORDS)).to.equal("all");
  });

  it("decodePurpose: the HL7 code text, hex for anything that is not an alphanumeric code", () => {
    expect(decodePurpose(Purpose.TREATMENT)).to.equal("TREAT");
    expect(decodePurpose(Purpose.EMERGENCY)).to.equal("ETREAT");
    expect(decodePurpose(Purpose.RESEARCH)).to.equal("HRESCH");
    for (const text of ["=HYPERLINK(1)", "a,b", "two words", "-x"]) {
      const raw = encodeBytes32String(text);
      expect(decodePurpose(raw)).to.equal(raw);
    }
    const notUtf8 = "0xff" + "00".repeat(31);
    expect(decodePurpose(notUtf8)).to.equal(notUtf8);
    const zero = "0x" + "00".repeat(32);
    expect(decodePurpose(zero)).to.equal(zero);
  });

  it("scopeNames: names in bit order; undefined bits by value", () => {
    expect(scopeNames(1)).to.deep.equal(["READ"]);
    expect(scopeNames(7)).to.deep.equal(["READ", "APPEND", "ANNOTATE"]);
    expect(scopeNames(6)).to.deep.equal(["APPEND", "ANNOTATE"]);
    expect(scopeNames(0)).to.deep.equal([]);
    expect(scopeNames(0x81)).to.deep.equal(["READ", "128"]);
  });

  it("formatExpiry: ISO up to the year 9999, decimal seconds after", () => {
    expect(formatExpiry(0n)).to.equal("1970-01-01T00:00:00.000Z");
    expect(formatExpiry(1_735_689_600n)).to.equal("2025-01-01T00:00:00.000Z");
    expect(formatExpiry(253_402_300_799n)).to.equal("9999-12-31T23:59:59.000Z");
    expect(formatExpiry(253_402_300_800n)).to.equal("253402300800");
    expect(formatExpiry((1n << 64n) - 1n)).to.equal("18446744073709551615");
  });

  it("didPkh and recordTokenIdentifier use lowercase addresses", () => {
    expect(didPkh(324n, PATIENT)).to.equal(`did:pkh:eip155:324:${PATIENT.toLowerCase()}`);
    expect(didPkh("31337", PATIENT.toLowerCase())).to.equal(`did:pkh:eip155:31337:${PATIENT.toLowerCase()}`);
    expect(recordTokenIdentifier("324", RT, "all")).to.equal(`324/${RT.toLowerCase()}/all`);
  });

  it("decodes a Disclosure into an entry with the resolver as actor and the hash of the request it answered", () => {
    const requestHash = "0x" + "ab".repeat(32);
    const log = logOf(CONSENT_MANAGER_INTERFACE, "Disclosure", [5n, PATIENT, GRANTEE, Purpose.EMERGENCY, RESOLVER, true, requestHash], CM);
    const decoded = decodeAuditLog(log, { ConsentManager: CM, RecordToken: RT });
    expect(decoded).to.deep.include({
      kind: "disclosure",
      event: "Disclosure",
      token: 5n,
      tokenId: "5",
      patient: PATIENT,
      recipient: GRANTEE,
      actor: RESOLVER,
      purpose: "ETREAT",
      emergency: true,
      blockNumber: 9,
      logIndex: 4,
      contract: CM,
      requestHash,
    });
  });

  it("decodes an EmergencyDelegateSet as a patient-wide entry by the patient: the delegate as recipient, ETREAT; cleared: no recipient, no purpose", () => {
    const contracts = { ConsentManager: CM, RecordToken: RT };
    const named = decodeAuditLog(logOf(CONSENT_MANAGER_INTERFACE, "EmergencyDelegateSet", [PATIENT, GRANTEE], CM), contracts);
    expect(named).to.deep.equal({
      kind: "emergency-delegate",
      event: "EmergencyDelegateSet",
      blockNumber: 9,
      transactionHash: "0x" + "cd".repeat(32),
      logIndex: 4,
      contract: CM,
      token: ALL_RECORDS,
      tokenId: "all",
      patient: PATIENT,
      recipient: GRANTEE,
      actor: PATIENT,
      purpose: "ETREAT",
      scopes: null,
      expiresAt: null,
      emergency: false,
      consentId: null,
      metadataId: null,
      reasonHash: null,
      requestHash: null,
    });
    const cleared = decodeAuditLog(logOf(CONSENT_MANAGER_INTERFACE, "EmergencyDelegateSet", [PATIENT, ZeroAddress], CM), contracts);
    expect(cleared).to.deep.equal({ ...named, recipient: null, purpose: null });
    // Emitted by RecordToken's address, it is not ConsentManager's.
    expect(decodeAuditLog(logOf(CONSENT_MANAGER_INTERFACE, "EmergencyDelegateSet", [PATIENT, GRANTEE], RT), contracts)).to.equal(null);
  });

  it("decodes a DataUpdated without a patient, the issuer as actor", () => {
    const log = logOf(RECORD_TOKEN_INTERFACE, "DataUpdated", [3n, "0x01551220", "0x" + "11".repeat(32), GRANTEE, 2n, "0x1234"], RT);
    const decoded = decodeAuditLog(log, { ConsentManager: CM, RecordToken: RT });
    expect(decoded).to.deep.include({ kind: "record-updated", patient: null, actor: GRANTEE, tokenId: "3", recipient: null, purpose: null });
  });

  it("ignores logs from the wrong emitter and events outside the accounting", () => {
    const contracts = { ConsentManager: CM, RecordToken: RT };
    const disclosure = logOf(CONSENT_MANAGER_INTERFACE, "Disclosure", [5n, PATIENT, GRANTEE, Purpose.TREATMENT, RESOLVER, false, "0x" + "ab".repeat(32)], RT);
    expect(decodeAuditLog(disclosure, contracts)).to.equal(null);
    const nonce = logOf(CONSENT_MANAGER_INTERFACE, "NonceInvalidated", [PATIENT, 1n], CM);
    expect(decodeAuditLog(nonce, contracts)).to.equal(null);
    expect(AUDIT_TOPICS.AccessRevoked).to.equal(CONSENT_MANAGER_INTERFACE.getEvent("AccessRevoked").topicHash);
    expect(zeroPadValue(PATIENT, 32)).to.have.length(66);
  });
});

describe("sdk/audit blockRanges", () => {
  it("splits a range into pages", () => {
    expect(blockRanges(0, 9, 4)).to.deep.equal([
      { fromBlock: 0, toBlock: 3 },
      { fromBlock: 4, toBlock: 7 },
      { fromBlock: 8, toBlock: 9 },
    ]);
    expect(blockRanges(5, 5, 10_000)).to.deep.equal([{ fromBlock: 5, toBlock: 5 }]);
    expect(blockRanges(6, 5, 1)).to.deep.equal([]);
  });

  it("property: pages are contiguous, in order, at most pageSize long, and cover the range", () => {
    fc.assert(
      fc.property(fc.nat(1_000), fc.nat(1_000), fc.integer({ min: 1, max: 50 }), (from, length, pageSize) => {
        const to = from + length;
        const pages = blockRanges(from, to, pageSize);
        expect(pages[0].fromBlock).to.equal(from);
        expect(pages[pages.length - 1].toBlock).to.equal(to);
        pages.forEach((page, i) => {
          expect(page.toBlock - page.fromBlock + 1).to.be.within(1, pageSize);
          if (i > 0) expect(page.fromBlock).to.equal(pages[i - 1].toBlock + 1);
        });
        expect(pages).to.have.length(Math.ceil((length + 1) / pageSize));
      }),
    );
  });

  it("rejects bad arguments with InvalidArgumentError", () => {
    expect(() => blockRanges(-1, 5, 1)).to.throw(InvalidArgumentError);
    expect(() => blockRanges(0, 5, 0)).to.throw(InvalidArgumentError);
    expect(() => blockRanges(0, Number.NaN, 1)).to.throw(InvalidArgumentError);
  });
});

describe("sdk/audit BlockTimestamps", () => {
  it("reads each block once and does not cache a failure", async () => {
    const calls: number[] = [];
    let failNext = true;
    const cache = new BlockTimestamps({
      getBlock: async (n: unknown) => {
        calls.push(Number(n));
        if (Number(n) === 7 && failNext) {
          failNext = false;
          throw new Error("node hiccup");
        }
        return { timestamp: 1_000 + Number(n) } as never;
      },
    } as never);
    const map = await cache.getMany([1, 2, 1, 3, 2]);
    expect([...map.entries()].sort()).to.deep.equal([
      [1, 1001],
      [2, 1002],
      [3, 1003],
    ]);
    expect(await cache.get(2)).to.equal(1002);
    expect(calls.sort()).to.deep.equal([1, 2, 3]);
    let thrown: unknown;
    await cache.get(7).catch((err) => (thrown = err));
    expect(thrown).to.be.instanceOf(AuditQueryError);
    expect(await cache.get(7)).to.equal(1007);
    expect(calls.filter((n) => n === 7)).to.have.length(2);
  });
});
