import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRateLimitHeaders, parseResetDuration, RateLimiter, type Clock } from '../../src/embedding/rate-limiter.js';

/** Virtual time: sleeping advances the clock, so minutes of pacing run in microseconds. */
class FakeClock implements Clock {
  t = 0;
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += Math.max(ms, 0);
    await Promise.resolve();
  }
}

/** Sends `n` requests of `tokens` each one after the other; returns their start times. */
async function run(limiter: RateLimiter, clock: FakeClock, n: number, tokens: number): Promise<number[]> {
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    const release = await limiter.acquire(tokens);
    starts.push(clock.now());
    release();
  }
  return starts;
}

const maxInAnyMinute = (starts: number[], weights: number[]) =>
  Math.max(...starts.map((s) => starts.reduce((sum, t, i) => sum + (t >= s && t < s + 60_000 ? weights[i]! : 0), 0)));

describe('rate limiter', () => {
  it('spaces requests evenly at the requests-per-minute limit', async () => {
    const clock = new FakeClock();
    const starts = await run(new RateLimiter({ rpm: 120, maxConcurrency: 4 }, clock), clock, 10, 1);
    assert.deepEqual(
      starts.slice(1).map((t, i) => t - starts[i]!),
      Array(9).fill(500),
    );
  });

  it('never puts more tokens in any minute than the limit, and uses at least 90% of it', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ tpm: 10_000, maxConcurrency: 4 }, clock);
    const sizes = Array.from({ length: 200 }, (_, i) => 200 + ((i * 37) % 300));
    const starts: number[] = [];
    for (const size of sizes) {
      const release = await limiter.acquire(size);
      starts.push(clock.now());
      release();
    }
    assert.ok(maxInAnyMinute(starts, sizes) <= 10_000, `max in a minute ${maxInAnyMinute(starts, sizes)}`);
    const total = sizes.reduce((a, b) => a + b, 0);
    const rate = total / ((starts.at(-1)! - starts[0]!) / 60_000);
    assert.ok(rate >= 9_000, `achieved ${rate.toFixed(0)} tokens/min`);
  });

  it('holds everyone back after a throttle, halves concurrency, and adds it back after successes', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ maxConcurrency: 8 }, clock);
    limiter.throttled(5_000);
    assert.equal(limiter.stats.concurrency, 4);
    const release = await limiter.acquire(1);
    assert.equal(clock.now(), 5_000);
    release();
    limiter.throttled(0);
    limiter.throttled(0);
    assert.equal(limiter.stats.concurrency, 1);
    for (let i = 0; i < 5 * 7; i++) limiter.succeeded();
    assert.equal(limiter.stats.concurrency, 8);
    assert.equal(limiter.stats.lowestConcurrency, 1);
  });

  it('keeps no more requests in flight than its concurrency', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ maxConcurrency: 2 }, clock);
    const a = await limiter.acquire(1);
    await limiter.acquire(1);
    let third = false;
    const pending = limiter.acquire(1).then((r) => {
      third = true;
      return r;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(third, false);
    a();
    (await pending)();
    assert.equal(third, true);
  });

  it('waits for the reset when the provider says nothing is left', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ maxConcurrency: 1 }, clock);
    limiter.observe({ remainingTokens: 0, resetTokensMs: 1_500 });
    (await limiter.acquire(1))();
    assert.equal(clock.now(), 1_500);
  });
});

describe('rate-limit headers', () => {
  it('reads retry-after-ms, retry-after in seconds or as a date, and x-ratelimit-*', () => {
    assert.equal(parseRateLimitHeaders(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' })).retryAfterMs, 250);
    assert.equal(parseRateLimitHeaders(new Headers({ 'retry-after': '2' })).retryAfterMs, 2_000);
    const now = Date.parse('2026-11-26T12:00:00Z');
    assert.equal(parseRateLimitHeaders(new Headers({ 'retry-after': 'Thu, 26 Nov 2026 12:00:03 GMT' }), now).retryAfterMs, 3_000);
    assert.deepEqual(
      parseRateLimitHeaders(
        new Headers({
          'x-ratelimit-remaining-requests': '0',
          'x-ratelimit-reset-requests': '6m0s',
          'x-ratelimit-remaining-tokens': '150',
          'x-ratelimit-reset-tokens': '20ms',
        }),
      ),
      { remainingRequests: 0, resetRequestsMs: 360_000, remainingTokens: 150, resetTokensMs: 20 },
    );
  });

  it('parses OpenAI reset durations', () => {
    assert.equal(parseResetDuration('1s'), 1_000);
    assert.equal(parseResetDuration('1h2m3.5s'), 3_723_500);
    assert.equal(parseResetDuration('20ms'), 20);
    assert.equal(parseResetDuration('soon'), undefined);
  });
});
