/**
 * Why a primitive value breaks its FHIR R4 format, in words that name the rule and never quote
 * the value: the checks `@medplum/core` does not explain (`Invalid id format`) or does not make
 * (`base64Binary` over 1 MB, see `schema.ts`).
 *
 * @module
 */

/** Longest R4 `id` (https://hl7.org/fhir/R4/datatypes.html#id). */
export const MAX_ID_LENGTH = 64;

/** `A-Z a-z 0-9 - .`, the characters of an R4 `id`. */
const ID_CHARS = /^[A-Za-z0-9\-.]*$/;

/**
 * Which R4 `id` rule `value` breaks — `"empty"`, `"longer than 64 characters"` or
 * `"characters outside A-Z a-z 0-9 - ."` — or `undefined` when it is a valid id.
 */
export function idFormatProblem(value: string): string | undefined {
  if (value.length === 0) return "empty";
  if (value.length > MAX_ID_LENGTH) return `longer than ${MAX_ID_LENGTH} characters`;
  if (!ID_CHARS.test(value)) return "characters outside A-Z a-z 0-9 - .";
  return undefined;
}

/** 1 for each code unit of the base64 alphabet `A-Z a-z 0-9 + /`. */
const BASE64_ALPHABET = (() => {
  const table = new Uint8Array(128);
  for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") table[c.charCodeAt(0)] = 1;
  return table;
})();

const PAD = 0x3d; // "="

/**
 * Which base64 rule `value` breaks, or `undefined` when it is well-formed base64 (RFC 4648 §4:
 * the alphabet `A-Z a-z 0-9 + /`, length a multiple of 4, at most two `=` of padding at the end,
 * no whitespace — the grammar `@medplum/core` applies to `base64Binary` values up to 1 MB).
 * One linear pass over the code units, no regular expression: 20 MB take a few tens of milliseconds.
 */
export function base64FormatProblem(value: string): string | undefined {
  const length = value.length;
  let end = length;
  if (end > 0 && value.charCodeAt(end - 1) === PAD) end--;
  if (end > 0 && value.charCodeAt(end - 1) === PAD) end--;
  for (let i = 0; i < end; i++) {
    const c = value.charCodeAt(i);
    if (c >= 128 || BASE64_ALPHABET[c] === 0) {
      return c === PAD ? "padding (=) before the end" : "a character outside the base64 alphabet A-Z a-z 0-9 + / (whitespace and line breaks are not allowed)";
    }
  }
  if (length % 4 !== 0) return "length not a multiple of 4";
  return undefined;
}
