/**
 * `promise`'s outcome, or `undefined` once `performance.now()` reaches `at` first: for time budgets that must hold
 * whatever the chain's node does. The promise is left running (the caller disposes of a late value).
 * @param promise What is waited for.
 * @param at The end of the budget (`performance.now()` time).
 */
export async function settledBy<T>(promise: Promise<T>, at: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, at - performance.now()))));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
