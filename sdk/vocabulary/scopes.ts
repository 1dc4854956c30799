/**
 * Scope bits of a consent, as `contracts/libraries/Scopes.sol` defines them, and their names.
 *
 * @module
 */

/** Scope bits of a consent (`Scopes.READ`, `Scopes.APPEND`, `Scopes.ANNOTATE`). */
export const Scope = { READ: 1, APPEND: 2, ANNOTATE: 4 } as const;

/** The name of a scope bit (`READ`, `APPEND`, `ANNOTATE`). */
export type ScopeName = keyof typeof Scope;

/** Every defined scope bit (`Scopes.ALL`). */
export const ALL_SCOPES = Scope.READ | Scope.APPEND | Scope.ANNOTATE;

/** The scope names in bit order. */
export const SCOPE_NAMES: readonly ScopeName[] = (Object.keys(Scope) as ScopeName[]).sort((a, b) => Scope[a] - Scope[b]);

/**
 * Whether `name` is a scope name (exact case).
 * @param name The text to test.
 */
export function isScopeName(name: string): name is ScopeName {
  return Object.prototype.hasOwnProperty.call(Scope, name);
}

/**
 * The names of the scope bits set in `scopes` (`READ`, `APPEND`, `ANNOTATE`, in bit order); an undefined bit
 * is named by its value (e.g. `"8"`).
 * @param scopes The scope bit set (uint8).
 */
export function scopeNames(scopes: number): string[] {
  const names: string[] = [];
  for (let bit = 1; bit <= 0x80; bit <<= 1) {
    if ((scopes & bit) === 0) continue;
    names.push(SCOPE_NAMES.find((name) => Scope[name] === bit) ?? String(bit));
  }
  return names;
}
