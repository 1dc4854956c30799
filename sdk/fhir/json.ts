/**
 * Small JSON helpers shared by the FHIR functions.
 *
 * @module
 */

/** A parsed JSON object (what `JSON.parse` gives for `{…}`). */
export type JsonObject = { [key: string]: unknown };

/** True for a non-null, non-array object whose prototype is `Object.prototype` or `null`. */
export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
