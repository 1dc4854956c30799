/** The `p`-th percentile (0–100, nearest rank) of `samples`. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Milliseconds since `start` (from `process.hrtime.bigint()`). */
export const elapsedMs = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
