/**
 * `JsonNumber`: a JSON number kept as the exact text it was written with.
 *
 * FHIR R4 says a decimal's precision is part of its value (`0.40` is not `0.4`, `4.0` is not `4`:
 * https://hl7.org/fhir/R4/datatypes.html#decimal). A JavaScript `number` cannot carry that, so the
 * lossless parser ({@link parseFhirJson}) gives every JSON number as a `JsonNumber`, and every writer
 * of the SDK (canonical JSON, the FHIR formatter, export) writes its `text` back unchanged.
 *
 * A `JsonNumber` converts to a `number` where JavaScript asks for one (`+n`, `n * 2`, `n > 1`,
 * `Number(n)`, `JSON.stringify`), so code that only reads values keeps working; `===` against a
 * number does not. {@link toPlainJson} turns a whole tree into plain JavaScript values.
 *
 * @module
 */
import { InvalidArgumentError } from "../errors";

/** The JSON number grammar (RFC 8259 §6), which is also FHIR's `decimal`/`integer` lexical space. */
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** A JSON number with the exact digits it was written with. Immutable. */
export class JsonNumber {
  /** The number exactly as written in the JSON text, e.g. `"0.40"`, `"1532.80"`, `"4.0"`, `"-12"`. */
  readonly text: string;

  /**
   * @param text A JSON number literal.
   * @throws {InvalidArgumentError} When `text` is not a JSON number or is out of the range of a double.
   */
  constructor(text: string) {
    if (typeof text !== "string" || !JSON_NUMBER.test(text)) throw new InvalidArgumentError("not a JSON number literal");
    if (!Number.isFinite(Number(text))) throw new InvalidArgumentError("JSON number out of range");
    this.text = text;
    Object.freeze(this);
  }

  /** The nearest JavaScript number (precision beyond a double, and trailing zeros, are lost). */
  valueOf(): number {
    return Number(this.text);
  }

  /** The number as written. */
  toString(): string {
    return this.text;
  }

  /** `JSON.stringify` writes the nearest JavaScript number (use `canonicalJson` to keep the digits). */
  toJSON(): number {
    return Number(this.text);
  }
}

/** True when `value` is a {@link JsonNumber}. */
export function isJsonNumber(value: unknown): value is JsonNumber {
  return value instanceof JsonNumber;
}

/**
 * A deep copy of `value` with every {@link JsonNumber} replaced by its JavaScript number: what
 * `JSON.parse` would have given. Objects and arrays are copied; other values are returned as they are.
 * Use it where plain JavaScript values are needed (a validator, an application); keep the original for
 * anything that is written back.
 */
export function toPlainJson<T = unknown>(value: T): T {
  return plain(value) as T;
}

function plain(value: unknown): unknown {
  if (value instanceof JsonNumber) return value.valueOf();
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    const out: { [key: string]: unknown } = {};
    for (const key of Object.keys(value)) {
      const item = (value as { [key: string]: unknown })[key];
      if (key === "__proto__") Object.defineProperty(out, key, { value: plain(item), enumerable: true, writable: true, configurable: true });
      else out[key] = plain(item);
    }
    return out;
  }
  return value;
}

/** True when `value` holds a {@link JsonNumber} anywhere. */
export function hasJsonNumbers(value: unknown): boolean {
  if (value instanceof JsonNumber) return true;
  if (Array.isArray(value)) return value.some(hasJsonNumbers);
  if (typeof value === "object" && value !== null) return Object.values(value).some(hasJsonNumbers);
  return false;
}
