import { expect } from "chai";
import fc from "fast-check";
import { AbiCoder, getAddress, hexlify } from "ethers";
import { recordAad, RECORD_AAD_LENGTH, InvalidArgumentError, type RecordAadFields } from "../../../sdk/crypto";
import { AAD, AAD_FIELD_BITS, expectMedrecError, flipAadField } from "./helpers";

const UINT256_MAX = (1n << 256n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

const abiEncode = (f: RecordAadFields) =>
  AbiCoder.defaultAbiCoder().encode(
    ["uint256", "address", "uint256", "uint64"],
    [f.chainId, f.recordToken.toLowerCase(), f.tokenId, f.version],
  );

const aadFieldsArb = fc.record({
  chainId: fc.bigInt({ min: 0n, max: UINT256_MAX }),
  recordToken: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => hexlify(b)),
  tokenId: fc.bigInt({ min: 0n, max: UINT256_MAX }),
  version: fc.bigInt({ min: 0n, max: UINT64_MAX }),
});

describe("sdk/crypto recordAad", () => {
  it("is abi.encode(uint256 chainId, address recordToken, uint256 tokenId, uint64 version), 128 bytes", () => {
    const aad = recordAad(AAD);
    expect(aad.length).to.equal(RECORD_AAD_LENGTH).and.to.equal(128);
    expect(hexlify(aad)).to.equal(abiEncode(AAD));
    // The layout, word by word.
    expect(hexlify(aad.slice(0, 32))).to.equal(`0x${(260).toString(16).padStart(64, "0")}`);
    expect(hexlify(aad.slice(32, 64))).to.equal(`0x${"00".repeat(12)}${AAD.recordToken.slice(2).toLowerCase()}`);
    expect(hexlify(aad.slice(64, 96))).to.equal(`0x${(42).toString(16).padStart(64, "0")}`);
    expect(hexlify(aad.slice(96, 128))).to.equal(`0x${"00".repeat(31)}03`);
  });

  it("matches the ethers ABI encoder for random fields, including the extremes", () => {
    fc.assert(
      fc.property(aadFieldsArb, (fields) => {
        expect(hexlify(recordAad(fields))).to.equal(abiEncode(fields));
      }),
      {
        numRuns: 300,
        examples: [
          [{ chainId: 0n, recordToken: `0x${"00".repeat(20)}`, tokenId: 0n, version: 0n }],
          [{ chainId: UINT256_MAX, recordToken: `0x${"ff".repeat(20)}`, tokenId: UINT256_MAX, version: UINT64_MAX }],
        ],
      },
    );
  });

  it("accepts safe-integer numbers as well as bigints, with the same encoding", () => {
    const asNumbers = { chainId: 260, recordToken: AAD.recordToken, tokenId: 42, version: 3 };
    expect(hexlify(recordAad(asNumbers))).to.equal(hexlify(recordAad(AAD)));
  });

  it("does not depend on the address case (lowercase, uppercase, EIP-55)", () => {
    const lower = AAD.recordToken.toLowerCase();
    const upper = `0x${AAD.recordToken.slice(2).toUpperCase()}`;
    const checksummed = getAddress(lower);
    const expected = hexlify(recordAad({ ...AAD, recordToken: lower }));
    expect(hexlify(recordAad({ ...AAD, recordToken: upper }))).to.equal(expected);
    expect(hexlify(recordAad({ ...AAD, recordToken: checksummed }))).to.equal(expected);
  });

  it("changes when any single bit of any field changes (injective per field)", () => {
    const base = hexlify(recordAad(AAD));
    for (const field of Object.keys(AAD_FIELD_BITS) as (keyof RecordAadFields)[]) {
      for (let bit = 0; bit < AAD_FIELD_BITS[field]; bit++) {
        expect(hexlify(recordAad(flipAadField(AAD, field, bit))), `${field} bit ${bit}`).to.not.equal(base);
      }
    }
  });

  it("distinct field tuples give distinct AADs (property)", () => {
    fc.assert(
      fc.property(aadFieldsArb, aadFieldsArb, (a, b) => {
        const same =
          a.chainId === b.chainId &&
          a.recordToken.toLowerCase() === b.recordToken.toLowerCase() &&
          a.tokenId === b.tokenId &&
          a.version === b.version;
        expect(hexlify(recordAad(a)) === hexlify(recordAad(b))).to.equal(same);
      }),
      { numRuns: 200 },
    );
  });

  describe("rejects invalid fields with InvalidArgumentError", () => {
    const bad: [string, Partial<Record<keyof RecordAadFields, unknown>>][] = [
      ["negative chainId", { chainId: -1n }],
      ["chainId ≥ 2^256", { chainId: UINT256_MAX + 1n }],
      ["fractional chainId", { chainId: 1.5 }],
      ["unsafe-integer chainId", { chainId: 2 ** 60 }],
      ["NaN chainId", { chainId: Number.NaN }],
      ["string chainId", { chainId: "260" }],
      ["negative tokenId", { tokenId: -1 }],
      ["tokenId ≥ 2^256", { tokenId: UINT256_MAX + 1n }],
      ["negative version", { version: -1n }],
      ["version ≥ 2^64", { version: UINT64_MAX + 1n }],
      ["address without 0x", { recordToken: AAD.recordToken.slice(2) }],
      ["19-byte address", { recordToken: AAD.recordToken.slice(0, 40) }],
      ["21-byte address", { recordToken: `${AAD.recordToken}00` }],
      ["non-hex address", { recordToken: `0x${"zz".repeat(20)}` }],
      ["address with a bad EIP-55 checksum", { recordToken: "0x5fbDB2315678afecb367f032d93F642f64180aa3" }],
      ["missing address", { recordToken: undefined }],
    ];
    for (const [name, patch] of bad) {
      it(name, () => {
        expectMedrecError(
          () => recordAad({ ...AAD, ...patch } as RecordAadFields),
          InvalidArgumentError,
          "INVALID_ARGUMENT",
        );
      });
    }
    it("a non-object", () => {
      expectMedrecError(() => recordAad(null as unknown as RecordAadFields), InvalidArgumentError, "INVALID_ARGUMENT");
    });
  });
});
