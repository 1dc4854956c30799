import { expect } from "chai";
import fc from "fast-check";
import { canonicalize, canonicalJson } from "../../../sdk/fhir";
import { InvalidArgumentError, MedrecError } from "../../../sdk/errors";
import { generatePatientBundles } from "../../fixtures/generate";
import { Prng } from "../../fixtures/prng";
import { shuffled } from "./helpers";

/** The same JSON value with the members of every object in another order (decided by `random`). */
function reorderKeys(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((item) => reorderKeys(item, random));
  if (typeof value === "object" && value !== null) {
    const entries = shuffled(Object.entries(value), random).map(([k, v]) => [k, reorderKeys(v, random)] as const);
    return Object.fromEntries(entries);
  }
  return value;
}

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe("sdk/fhir canonicalize", () => {
  it("sorts keys recursively, keeps array order and writes no whitespace", () => {
    const input = { b: 1, a: [3, { d: true, c: null }, "x y"], c: { z: { y: 2, x: 1 } } };
    expect(canonicalJson(input)).to.equal('{"a":[3,{"c":null,"d":true},"x y"],"b":1,"c":{"z":{"x":1,"y":2}}}');
    expect(text(canonicalize(input))).to.equal(canonicalJson(input));
  });

  it("orders keys by UTF-16 code units (RFC 8785 §3.2.3 example), numeric-looking keys as strings", () => {
    const input = { "\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One", "\ud83d\ude00": "Emoji: Grinning Face", "\u0080": "Control", "\u00f6": "Latin Small Letter O With Diaeresis" };
    const keys = Object.keys(JSON.parse(canonicalJson(input)) as object);
    const order = canonicalJson(input).match(/"([^"]*)":/g)?.map((k) => JSON.parse(k.slice(0, -1)) as string);
    expect(order).to.deep.equal(["\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"]);
    expect(keys).to.have.length(7);
    expect(canonicalJson({ "9": 1, "10": 2, a: 3 })).to.equal('{"10":2,"9":1,"a":3}');
  });

  it("writes numbers as ECMAScript does (RFC 8785 §3.2.2.3)", () => {
    const input = [333333333.33333329, 1e30, 4.5, 0.002, 1e-27, 1e21, 1e-7, 0.000001, -0, 100, -1.25, 9007199254740991];
    expect(canonicalJson(input)).to.equal("[333333333.3333333,1e+30,4.5,0.002,1e-27,1e+21,1e-7,0.000001,0,100,-1.25,9007199254740991]");
  });

  it("escapes strings as JSON.stringify does and encodes UTF-8", () => {
    const input = { s: '\u0000\u001f\b\f\n\r\t"\\/é€😀' };
    expect(canonicalJson(input)).to.equal('{"s":"\\u0000\\u001f\\b\\f\\n\\r\\t\\"\\\\/é€😀"}');
    const bytes = canonicalize({ a: "é" });
    expect(bytes).to.be.instanceOf(Uint8Array);
    expect(Buffer.from(bytes).toString("hex")).to.equal(Buffer.from('{"a":"é"}', "utf8").toString("hex"));
  });

  it("leaves out undefined members and rejects what JSON cannot carry", () => {
    expect(canonicalJson({ a: undefined, b: 2 })).to.equal('{"b":2}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad: unknown[] = [undefined, [undefined], NaN, { n: Infinity }, 1n, () => 1, Symbol("s"), new Date(0), new Map(), cyclic, "\ud800", { "\udc00": 1 }];
    for (const value of bad) {
      expect(() => canonicalize(value), String(typeof value)).to.throw(InvalidArgumentError);
    }
    try {
      canonicalize({ n: NaN });
    } catch (err) {
      expect(err).to.be.instanceOf(MedrecError);
      expect((err as MedrecError).code).to.equal("INVALID_ARGUMENT");
    }
  });

  it("allows the same object twice when it is not a cycle", () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared] })).to.equal('{"a":{"x":1},"b":[{"x":1}]}');
  });

  it("property: key order does not change the bytes", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        const rng = new Prng(seed);
        const reordered = reorderKeys(value, () => rng.next());
        expect(Buffer.from(canonicalize(reordered)).equals(Buffer.from(canonicalize(value)))).to.equal(true);
      }),
      { numRuns: 300 },
    );
  });

  it("property: deterministic and idempotent (canonical text parses back to the same canonical bytes)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const first = canonicalJson(value);
        expect(canonicalJson(value)).to.equal(first);
        expect(canonicalJson(JSON.parse(first))).to.equal(first);
      }),
      { numRuns: 300 },
    );
  });

  it("property: generated FHIR bundles with reordered keys give the same bytes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer(), (seed, order) => {
        const bundle = generatePatientBundles({ seed, patients: 1 })[0];
        const rng = new Prng(order);
        const reordered = reorderKeys(JSON.parse(JSON.stringify(bundle)), () => rng.next());
        expect(canonicalJson(reordered)).to.equal(canonicalJson(bundle));
      }),
      { numRuns: 30 },
    );
  });
});
