/**
 * `sdk/files`: writing files that hold secrets or health data (mode 0600, atomically, never through a planted link).
 *
 * @module
 */
export { writePrivateFile } from "./private-file";
