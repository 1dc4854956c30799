import { expect } from "chai";
import fc from "fast-check";
import { createRateLimiter } from "../../resolver/rate-limiter";

describe("resolver/rate-limiter: token buckets per key", () => {
  it("property: over any schedule, a key gets at most burst + rate × elapsed requests, and never fewer than the bucket allows", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 200 }),
        (perMinute, burst, gaps) => {
          const limiter = createRateLimiter({ perMinute, burst });
          let now = 1_000_000;
          const start = now;
          let allowed = 0;
          for (const gap of gaps) {
            now += gap;
            if (limiter.take("k", now).allowed) allowed++;
          }
          const ceiling = burst + Math.floor(((now - start) * perMinute) / 60_000) + 1;
          expect(allowed).to.be.at.most(ceiling);
          expect(allowed).to.be.at.least(Math.min(gaps.length, burst));
        },
      ),
    );
  });

  it("keys are independent, a refusal names when to retry, and full buckets are forgotten", () => {
    const limiter = createRateLimiter({ perMinute: 60, burst: 2 });
    const t = 5_000_000;
    expect(limiter.take("a", t).allowed).to.equal(true);
    expect(limiter.take("a", t).allowed).to.equal(true);
    const refused = limiter.take("a", t);
    expect(refused).to.deep.equal({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take("b", t).allowed).to.equal(true);
    expect(limiter.take("a", t + 1_000).allowed).to.equal(true);
    expect(limiter.size()).to.equal(2);
    limiter.take("c", t + 120_000); // sweeps the buckets that refilled
    expect(limiter.size()).to.equal(1);
  });

  it("rejects a non-positive rate", () => {
    expect(() => createRateLimiter({ perMinute: 0 })).to.throw("positive");
  });
});
