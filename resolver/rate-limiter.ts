/** The verdict of one {@link RateLimiter.take}. */
export interface RateDecision {
  allowed: boolean;
  /** Seconds until one more request would be allowed (0 when allowed). */
  retryAfterSeconds: number;
}

/** A token-bucket limiter over many keys (IP addresses, requester addresses). */
export interface RateLimiter {
  /** Takes one token from `key`'s bucket at time `nowMs`. */
  take(key: string, nowMs?: number): RateDecision;
  /** Number of keys tracked (full buckets are dropped). */
  size(): number;
}

/**
 * A token bucket per key: `capacity` requests at once, refilled at `perMinute` requests per minute.
 * Buckets that are full again are forgotten, so memory follows the number of active keys.
 * @param options `perMinute` sustained rate and `burst` capacity (default: `perMinute`).
 */
export function createRateLimiter(options: { perMinute: number; burst?: number }): RateLimiter {
  if (!(options.perMinute > 0)) throw new Error("rate limit must be positive");
  const capacity = Math.max(1, options.burst ?? options.perMinute);
  const refillPerMs = options.perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let lastSweep = 0;

  const sweep = (now: number) => {
    if (now - lastSweep < 60_000) return;
    lastSweep = now;
    for (const [key, bucket] of buckets) {
      if (bucket.tokens + (now - bucket.at) * refillPerMs >= capacity) buckets.delete(key);
    }
  };

  return {
    take(key, now = Date.now()) {
      sweep(now);
      const bucket = buckets.get(key) ?? { tokens: capacity, at: now };
      bucket.tokens = Math.min(capacity, bucket.tokens + Math.max(0, now - bucket.at) * refillPerMs);
      bucket.at = now;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true, retryAfterSeconds: 0 };
      }
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000)) };
    },
    size: () => buckets.size,
  };
}
