/**
 * `parseFhirJson`: JSON text → a JSON tree that loses nothing FHIR cares about.
 *
 * Differences from `JSON.parse`:
 * - every number is a {@link JsonNumber} holding the digits as written (`0.40` stays `0.40`);
 * - a property name that occurs twice in one object is an error (RFC 8259 leaves it undefined;
 *   `JSON.parse` silently keeps the last, so two readers could see two different records);
 * - nesting deeper than {@link MAX_DEPTH} is an error (no stack exhaustion on hostile input);
 * - a `__proto__` member is an ordinary own property, as with `JSON.parse`.
 *
 * Errors are {@link FhirValidationError}s at path `$` that name the position, never the text there.
 *
 * @module
 */
import { FhirValidationError } from "./errors";
import { JsonNumber } from "./json-number";

/** Deepest nesting of arrays and objects accepted (FHIR resources nest a few dozen levels at most). */
export const MAX_DEPTH = 512;

/** Parses UTF-8 bytes or a string of JSON; see the module notes. @throws {FhirValidationError} */
export function parseFhirJson(input: string | Uint8Array): unknown {
  let text: string;
  if (typeof input === "string") text = input;
  else {
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(input);
    } catch {
      throw invalid("Invalid UTF-8");
    }
  }
  const parser = new Parser(text);
  parser.skipSpace();
  const value = parser.value(0);
  parser.skipSpace();
  if (parser.at < text.length) parser.fail("Unexpected text after the JSON value");
  return value;
}

function invalid(message: string): FhirValidationError {
  return new FhirValidationError([{ path: "$", message, code: "structure" }]);
}

const NUMBER_AT = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
// A string with no escapes and no control characters, up to its closing quote.
const PLAIN_STRING_AT = /[^"\\\u0000-\u001f]*"/y;
// A string with escapes: JSON.parse decodes it once its extent is known.
const ESCAPED_STRING_AT = /(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class Parser {
  at = 0;
  constructor(private readonly text: string) {}

  fail(message: string): never {
    throw invalid(`Invalid JSON at position ${this.at}: ${message}`);
  }

  skipSpace(): void {
    const text = this.text;
    let at = this.at;
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) at++;
      else break;
    }
    this.at = at;
  }

  value(depth: number): unknown {
    const c = this.text.charCodeAt(this.at);
    switch (c) {
      case 0x7b: // {
        return this.object(depth + 1);
      case 0x5b: // [
        return this.array(depth + 1);
      case 0x22: // "
        return this.string();
      case 0x74: // t
        return this.literal("true", true);
      case 0x66: // f
        return this.literal("false", false);
      case 0x6e: // n
        return this.literal("null", null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
        return this.fail(Number.isNaN(c) ? "Unexpected end of input" : "Unexpected character");
    }
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.at)) this.fail("Unexpected character");
    this.at += word.length;
    return value;
  }

  private number(): JsonNumber {
    NUMBER_AT.lastIndex = this.at;
    const match = NUMBER_AT.exec(this.text);
    if (!match) return this.fail("Invalid number");
    const end = this.at + match[0].length;
    const next = this.text.charCodeAt(end);
    // `01`, `1.`, `1e`: the regex stops early; what follows must not continue a number.
    if ((next >= 0x30 && next <= 0x39) || next === 0x2e || next === 0x65 || next === 0x45) {
      this.at = end;
      return this.fail("Invalid number");
    }
    let number: JsonNumber;
    try {
      number = new JsonNumber(match[0]);
    } catch {
      return this.fail("Number out of range");
    }
    this.at = end;
    return number;
  }

  string(): string {
    const start = this.at + 1;
    PLAIN_STRING_AT.lastIndex = start;
    const plain = PLAIN_STRING_AT.exec(this.text);
    if (plain) {
      this.at = start + plain[0].length;
      return this.text.slice(start, this.at - 1);
    }
    ESCAPED_STRING_AT.lastIndex = start;
    const escaped = ESCAPED_STRING_AT.exec(this.text);
    if (!escaped) {
      this.at = start;
      return this.fail("Invalid string (unescaped control character, bad escape or no closing quote)");
    }
    const end = start + escaped[0].length;
    const value = JSON.parse(this.text.slice(start - 1, end)) as string;
    this.at = end;
    return value;
  }

  private array(depth: number): unknown[] {
    if (depth > MAX_DEPTH) this.fail(`Nested deeper than ${MAX_DEPTH} levels`);
    this.at++; // [
    const items: unknown[] = [];
    this.skipSpace();
    if (this.text.charCodeAt(this.at) === 0x5d) {
      this.at++;
      return items;
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value(depth));
      this.skipSpace();
      const c = this.text.charCodeAt(this.at);
      if (c === 0x2c) this.at++;
      else if (c === 0x5d) {
        this.at++;
        return items;
      } else this.fail("Expected ',' or ']'");
    }
  }

  private object(depth: number): { [key: string]: unknown } {
    if (depth > MAX_DEPTH) this.fail(`Nested deeper than ${MAX_DEPTH} levels`);
    this.at++; // {
    const object: { [key: string]: unknown } = {};
    this.skipSpace();
    if (this.text.charCodeAt(this.at) === 0x7d) {
      this.at++;
      return object;
    }
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.at) !== 0x22) this.fail("Expected a property name");
      const keyAt = this.at;
      const key = this.string();
      this.skipSpace();
      if (this.text.charCodeAt(this.at) !== 0x3a) this.fail("Expected ':'");
      this.at++;
      this.skipSpace();
      const value = this.value(depth);
      if (Object.prototype.hasOwnProperty.call(object, key)) {
        this.at = keyAt;
        this.fail("Duplicate property name");
      }
      if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      else object[key] = value;
      this.skipSpace();
      const c = this.text.charCodeAt(this.at);
      if (c === 0x2c) this.at++;
      else if (c === 0x7d) {
        this.at++;
        return object;
      } else this.fail("Expected ',' or '}'");
    }
  }
}
