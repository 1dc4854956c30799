/**
 * The validator's messages as sentences a person understands, naming the element and the rule and
 * never the value: `@medplum/core` says `Missing required property` (which one?), `Invalid date
 * format` (what is the format?), `Invalid JSON type: expected string, but got number`; here they
 * become `Missing required property div`, `Invalid date format: expected YYYY, YYYY-MM or
 * YYYY-MM-DD (a real month and day)`, `Expected a string, but found a number`.
 *
 * @module
 */
import { base64FormatProblem, idFormatProblem } from "./formats";

/** What each primitive format requires (R4 datatypes, as `@medplum/core` checks them). */
const FORMAT_RULES: Readonly<Record<string, string>> = {
  base64Binary: "expected base64 (A-Z a-z 0-9 + /, length a multiple of 4, = padding only at the end, no whitespace)",
  canonical: "expected a canonical URL without whitespace",
  code: "expected a code: non-empty text without leading, trailing or repeated spaces, and no tabs or line breaks",
  date: "expected YYYY, YYYY-MM or YYYY-MM-DD (a real month and day)",
  dateTime: "expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss(.sss) with a time zone (Z or +hh:mm)",
  id: "expected 1 to 64 characters of A-Z a-z 0-9 - .",
  instant: "expected YYYY-MM-DDThh:mm:ss(.sss) with a time zone (Z or +hh:mm)",
  markdown: "contains a control character other than tab, carriage return or line feed",
  oid: "expected urn:oid: followed by dot-separated numbers",
  string: "contains a control character other than tab, carriage return or line feed",
  time: "expected hh:mm:ss(.sss) on a 24-hour clock",
  uri: "expected a URI without whitespace",
  url: "expected a URL without whitespace",
  uuid: "expected urn:uuid: followed by a lowercase UUID",
};

/** How a JSON type is named in a sentence. */
const JSON_TYPES: Readonly<Record<string, string>> = {
  string: "a string",
  number: "a number",
  boolean: "a boolean (true or false)",
  object: "an object",
  array: "an array",
};

/** Messages whose words are fine but say too little. */
const FIXED: Readonly<Record<string, string>> = {
  "Invalid null value": "Null is not allowed here: leave the element out instead",
  "Invalid undefined value": "A missing value inside an array is not allowed",
  "Invalid empty value": "Empty value: FHIR does not allow empty objects, arrays or strings",
  "Invalid empty non-primitive value": "Empty value: FHIR does not allow an element without content",
  "String must contain non-whitespace content": "Empty value: a string must contain non-whitespace content",
  "String cannot be larger than 1 MB": "A string cannot be longer than 1 MB (1,048,576 characters)",
  "Value did not match expected pattern": "Value does not match the fixed value or pattern its definition requires",
  "Expected number to be an integer": "Expected a whole number (an integer)",
  "Expected number to be positive": "Expected a whole number greater than 0 (a positiveInt)",
  "Expected number to be non-negative": "Expected a whole number of 0 or more (an unsignedInt)",
  "Invalid numeric value": "Expected a finite number",
  "Missing resource type": "Missing resource type",
};

/**
 * `text` (a `@medplum/core` issue message, `details.text`) for the element at `path`, rewritten as a
 * sentence; `value` is the element's value when known, used only to tell which rule it breaks and
 * never quoted. Messages not listed here are the validator's own (they name elements and spec text
 * only, e.g. `Constraint obs-6 not met: dataAbsentReason SHALL only be present if
 * Observation.value[x] is not present`).
 */
export function explainIssue(text: string, path: string, value?: unknown): string {
  const fixed = FIXED[text];
  if (fixed !== undefined) return fixed;
  const property = propertyName(path);
  if (text === "Missing required property") return `Missing required property ${property}`;
  if (text === "Expected array of values for property") return `Expected an array of values for property ${property}`;
  if (text === "Expected single value for property") return `Expected a single value, not an array, for property ${property}`;
  const unknown = /^Invalid additional property "(.*)"$/s.exec(text);
  if (unknown) return `Unknown property ${unknown[1]}`;
  const jsonType = /^Invalid JSON type: expected (\w+), but got (\w+)$/.exec(text);
  if (jsonType) return `Expected ${JSON_TYPES[jsonType[1]] ?? jsonType[1]}, but found ${JSON_TYPES[Array.isArray(value) ? "array" : jsonType[2]] ?? jsonType[2]}`;
  const cardinality = /^Invalid number of values: expected (\d+)\.\.(\d+|\*), but found (\d+)$/.exec(text);
  if (cardinality) return `Expected ${cardinality[1]}..${cardinality[2]} values for property ${property}, but found ${cardinality[3]}`;
  const format = /^Invalid (\w+) format$/.exec(text);
  if (format) return formatMessage(format[1], value);
  return text;
}

/** `Invalid <type> format: <the rule broken>`. */
export function formatMessage(type: string, value?: unknown): string {
  if (typeof value === "string") {
    const problem = type === "id" ? idFormatProblem(value) : type === "base64Binary" ? base64FormatProblem(value) : undefined;
    if (problem !== undefined) return `Invalid ${type} format: ${problem}`;
  }
  const rule = FORMAT_RULES[type];
  return rule === undefined ? `Invalid ${type} format` : `Invalid ${type} format: ${rule}`;
}

/** The element name at the end of a path: `Patient.name[0].given[1]` → `given`, `Observation.value[x]` → `value[x]`. */
function propertyName(path: string): string {
  const last = path.slice(path.lastIndexOf(".") + 1);
  return last.replace(/(\[\d+\])+$/, "");
}
