import { expect } from "chai";
import fc from "fast-check";
import { getAddress, hexlify } from "ethers";
import { ConsentManager__factory } from "../../sdk/chain/contracts";
import { decodeDisclosureChecks, encodeDisclosureRequests } from "../../resolver/disclosures/calldata";

const IFACE = ConsentManager__factory.createInterface();
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b));
const entry = fc.record({
  tokenId: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
  grantee: fc.uint8Array({ minLength: 20, maxLength: 20 }).chain((b) => fc.constantFrom(hexlify(b), getAddress(hexlify(b)))),
  purpose: bytes32,
  requestHash: bytes32,
});

describe("resolver/disclosures/calldata: the disclosure batch ABI by hand", () => {
  it("fast-check: recordDisclosures and checkDisclosures calldata equal ethers' encodeFunctionData", () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (entries) => {
        expect(encodeDisclosureRequests(IFACE.getFunction("recordDisclosures")!.selector, entries)).to.equal(IFACE.encodeFunctionData("recordDisclosures", [entries]));
        expect(encodeDisclosureRequests(IFACE.getFunction("checkDisclosures")!.selector, entries)).to.equal(IFACE.encodeFunctionData("checkDisclosures", [entries]));
      }),
      { numRuns: 200 },
    );
  });

  it("fast-check: checkDisclosures results decode as ethers decodes them", () => {
    const check = fc.record({ status: fc.integer({ min: 0, max: 255 }), version: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) });
    fc.assert(
      fc.property(fc.array(check, { maxLength: 12 }), (checks) => {
        const data = IFACE.encodeFunctionResult("checkDisclosures", [checks]);
        const theirs = IFACE.decodeFunctionResult("checkDisclosures", data)[0] as { status: bigint; version: bigint }[];
        expect(decodeDisclosureChecks(data, checks.length)).to.deep.equal(theirs.map((c) => ({ status: Number(c.status), version: c.version })));
      }),
      { numRuns: 200 },
    );
  });

  it("refuses return data of another count, size or out-of-type values, and fields that do not fit", () => {
    const data = IFACE.encodeFunctionResult("checkDisclosures", [[{ status: 0, version: 1n }]]);
    expect(() => decodeDisclosureChecks(data, 2)).to.throw(RangeError);
    expect(() => decodeDisclosureChecks(`${data}00`, 1)).to.throw(RangeError);
    expect(() => decodeDisclosureChecks("0x", 1)).to.throw(RangeError);
    // status 256 does not fit uint8
    expect(() => decodeDisclosureChecks(`${data.slice(0, 2 + 128)}${"0".repeat(61)}100${data.slice(2 + 192)}`, 1)).to.throw(RangeError);
    const ok = { tokenId: 1n, grantee: "0x" + "11".repeat(20), purpose: "0x" + "22".repeat(32), requestHash: "0x" + "33".repeat(32) };
    expect(() => encodeDisclosureRequests("0x12345678", [{ ...ok, tokenId: 1n << 256n }])).to.throw(RangeError);
    expect(() => encodeDisclosureRequests("0x12345678", [{ ...ok, grantee: "0x11" }])).to.throw(RangeError);
    expect(() => encodeDisclosureRequests("0x12345678", [{ ...ok, purpose: "0x22" }])).to.throw(RangeError);
  });
});
