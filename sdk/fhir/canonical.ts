/**
 * Canonical JSON: the exact bytes a record's plaintext is made of, so that the same FHIR content
 * always encrypts, hashes and compares the same.
 *
 * The rules follow RFC 8785 (JSON Canonicalization Scheme, JCS):
 * - objects: members sorted by key, comparing keys as UTF-16 code unit sequences (JavaScript's
 *   default string order, as RFC 8785 §3.2.3 requires), recursively; members whose value is
 *   `undefined` are left out (as `JSON.stringify` does);
 * - arrays: elements kept in their order;
 * - no whitespace outside strings;
 * - strings: as ECMAScript `JSON.stringify` writes them (RFC 8785 §3.2.2.2): `"` `\` and U+0000–U+001F
 *   escaped (`\b \t \n \f \r`, else `\u00XX`), every other character as itself;
 * - numbers: a {@link JsonNumber} (what {@link parseFhirJson} gives) is written exactly as it was
 *   read (`0.40`, `1532.80`, `4.0`): FHIR decimal precision is significant, so here medrec departs from
 *   RFC 8785 §3.2.2.3, which would rewrite them as `0.4`, `1532.8`, `4`. A JavaScript `number` (a
 *   value built in code, or parsed by `JSON.parse`) is written as ECMAScript writes it (RFC 8785):
 *   shortest round-trip form, `-0` as `0`, exponent form from 1e21 and below 1e-6 (`1e+21`, `1e-7`);
 *   NaN and ±Infinity are rejected. Either way the same input gives the same bytes;
 * - `true`, `false`, `null` as themselves;
 * - output: the canonical text encoded as UTF-8.
 *
 * Rejected with {@link InvalidArgumentError}: values JSON cannot carry (`undefined` at the top or in an
 * array, functions, symbols, bigints, non-finite numbers), objects that are not plain (Date, Map, class
 * instances), cycles, and strings with unpaired surrogates (RFC 8785 requires valid Unicode).
 *
 * @module
 */
import { InvalidArgumentError } from "../errors";
import { isPlainObject } from "./json";
import { JsonNumber } from "./json-number";

const encoder = new TextEncoder();

/** Unpaired UTF-16 surrogate: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Canonical JSON text of `value` (see the module rules).
 * @throws InvalidArgumentError when `value` is not pure JSON data.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, new Set(), "$");
  return out.join("");
}

/**
 * Canonical JSON bytes (UTF-8) of a FHIR resource or any JSON value: equal inputs — whatever their
 * key order — give equal bytes (see the module rules).
 * @throws InvalidArgumentError when `value` is not pure JSON data.
 */
export function canonicalize(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}

function write(value: unknown, out: string[], ancestors: Set<object>, path: string): void {
  switch (typeof value) {
    case "string":
      if (LONE_SURROGATE.test(value)) throw new InvalidArgumentError(`canonical JSON: unpaired surrogate in string at ${path}`);
      out.push(JSON.stringify(value));
      return;
    case "number":
      if (!Number.isFinite(value)) throw new InvalidArgumentError(`canonical JSON: non-finite number at ${path}`);
      out.push(JSON.stringify(value)); // ECMAScript Number-to-String, -0 → "0"
      return;
    case "boolean":
      out.push(value ? "true" : "false");
      return;
    case "object":
      if (value === null) {
        out.push("null");
        return;
      }
      if (value instanceof JsonNumber) {
        out.push(value.text);
        return;
      }
      if (ancestors.has(value)) throw new InvalidArgumentError(`canonical JSON: cycle at ${path}`);
      ancestors.add(value);
      if (Array.isArray(value)) writeArray(value, out, ancestors, path);
      else if (isPlainObject(value)) writeObject(value, out, ancestors, path);
      else throw new InvalidArgumentError(`canonical JSON: not a plain object at ${path}`);
      ancestors.delete(value);
      return;
    default:
      throw new InvalidArgumentError(`canonical JSON: ${typeof value} is not JSON at ${path}`);
  }
}

function writeArray(items: readonly unknown[], out: string[], ancestors: Set<object>, path: string): void {
  out.push("[");
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out.push(",");
    write(items[i], out, ancestors, `${path}[${i}]`);
  }
  out.push("]");
}

function writeObject(object: { [key: string]: unknown }, out: string[], ancestors: Set<object>, path: string): void {
  // Default sort compares UTF-16 code units, the order RFC 8785 prescribes.
  const keys = Object.keys(object).filter((key) => object[key] !== undefined).sort();
  out.push("{");
  keys.forEach((key, i) => {
    if (i > 0) out.push(",");
    if (LONE_SURROGATE.test(key)) throw new InvalidArgumentError(`canonical JSON: unpaired surrogate in a key at ${path}`);
    out.push(JSON.stringify(key), ":");
    write(object[key], out, ancestors, `${path}.${key}`);
  });
  out.push("}");
}
