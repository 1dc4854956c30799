/**
 * The value at a validator path, to explain an issue in words (which rule a value breaks) without
 * quoting it.
 *
 * @module
 */
import { isPlainObject } from "./json";

/** `name`, `name[3]`, `value[x]`, `value[x][0]`. */
const SEGMENT = /^([^[\]]+?)(\[x\])?(?:\[(\d+)\])?$/;

/**
 * The value at `path` in `root`, where `path` is a validator path such as `Patient.meta.versionId`,
 * `Bundle.entry[2].resource.id` or `Observation.effective[x]` (its first segment names the root;
 * `[x]` picks the one property of that choice element that is present); `undefined` when the path
 * leads nowhere.
 */
export function valueAtPath(root: unknown, path: string): unknown {
  const segments = path.split(".");
  let current: unknown = root;
  for (const segment of segments.slice(1)) {
    const match = SEGMENT.exec(segment);
    if (!match || !isPlainObject(current)) return undefined;
    const [, name, choice, index] = match;
    const object: { [key: string]: unknown } = current;
    const key = choice === undefined ? name : Object.keys(object).find((k) => k.length > name.length && k.startsWith(name) && /[A-Z]/.test(k[name.length]));
    if (key === undefined || !Object.prototype.hasOwnProperty.call(object, key)) return undefined;
    current = object[key];
    if (index !== undefined) current = Array.isArray(current) ? current[Number(index)] : undefined;
  }
  return current;
}
