/**
 * Polls `check` every 50 ms until it holds.
 * @param check The condition (may be async).
 * @param timeoutMs How long to wait (default 10 s).
 * @param what Named in the error when it does not hold in time.
 * @throws When the condition does not hold within `timeoutMs`.
 */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
