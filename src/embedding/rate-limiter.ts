import { setTimeout as sleep } from 'node:timers/promises';
/** Time for the limiter; tests pass a fake one. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => sleep(ms),
};

export interface RateLimits {
  readonly rpm?: number;
  readonly tpm?: number;
  readonly maxConcurrency: number;
}

export interface RateLimiterStats {
  readonly requests: number;
  readonly tokens: number;
  readonly throttled: number;
  readonly concurrency: number;
  readonly lowestConcurrency: number;
}

const WINDOW_MS = 60_000;
/** A request reaches the provider a little after it leaves; its minute starts later than ours. */
const CLOCK_MARGIN_MS = 250;
/** Successful requests in a row before one more request may be in flight again. */
const RECOVER_AFTER = 5;

/**
 * Requests- and tokens-per-minute limits of one provider deployment, shared by every
 * activity of a worker process. Requests are spaced evenly at the allowed rate (no burst
 * that a provider's own limiter would punish) and a sliding one-minute log guarantees no
 * window ever holds more than the limit. A 429 or 503 blocks everyone until the provider's
 * reset time and halves the requests in flight; each run of successes adds one back.
 */
export class RateLimiter {
  private readonly log: { at: number; tokens: number }[] = [];
  private nextRequestAt = 0;
  private nextTokensAt = 0;
  private blockedUntil = 0;
  private inFlight = 0;
  private concurrency: number;
  private lowestConcurrency: number;
  private streak = 0;
  private readonly waiting: (() => void)[] = [];
  private requests = 0;
  private tokens = 0;
  private throttles = 0;

  constructor(
    readonly limits: RateLimits,
    private readonly clock: Clock = systemClock,
  ) {
    this.concurrency = limits.maxConcurrency;
    this.lowestConcurrency = limits.maxConcurrency;
  }

  /** Waits for a slot and for the rate; returns the function that gives the slot back. */
  async acquire(tokens: number): Promise<() => void> {
    while (this.inFlight >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    try {
      for (;;) {
        const now = this.clock.now();
        const at = Math.max(this.blockedUntil, this.nextRequestAt, this.nextTokensAt, this.windowAllows(now, tokens));
        if (at <= now) break;
        await this.clock.sleep(at - now);
      }
    } catch (error) {
      this.release();
      throw error;
    }
    const now = this.clock.now();
    this.log.push({ at: now, tokens });
    if (this.limits.rpm) this.nextRequestAt = now + WINDOW_MS / this.limits.rpm;
    if (this.limits.tpm) this.nextTokensAt = now + (tokens * WINDOW_MS) / this.limits.tpm;
    this.requests++;
    this.tokens += tokens;
    let released = false;
    return () => {
      if (!released) this.release();
      released = true;
    };
  }

  /** The provider said slow down: nobody sends before `waitMs` has passed, and fewer at once after. */
  throttled(waitMs: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.clock.now() + waitMs);
    this.concurrency = Math.max(1, Math.floor(this.concurrency / 2));
    this.lowestConcurrency = Math.min(this.lowestConcurrency, this.concurrency);
    this.streak = 0;
    this.throttles++;
  }

  succeeded(): void {
    if (++this.streak < RECOVER_AFTER || this.concurrency >= this.limits.maxConcurrency) return;
    this.streak = 0;
    this.concurrency++;
    this.wake();
  }

  /** Honours what the provider says is left: at zero, wait for its reset. */
  observe(headers: RateLimitHeaders): void {
    const now = this.clock.now();
    if (headers.remainingRequests === 0 && headers.resetRequestsMs !== undefined)
      this.blockedUntil = Math.max(this.blockedUntil, now + headers.resetRequestsMs);
    if (headers.remainingTokens === 0 && headers.resetTokensMs !== undefined) this.blockedUntil = Math.max(this.blockedUntil, now + headers.resetTokensMs);
  }

  get stats(): RateLimiterStats {
    return {
      requests: this.requests,
      tokens: this.tokens,
      throttled: this.throttles,
      concurrency: this.concurrency,
      lowestConcurrency: this.lowestConcurrency,
    };
  }

  /** Earliest time the last minute's log leaves room for `tokens` more and one more request. */
  private windowAllows(now: number, tokens: number): number {
    while (this.log.length > 0 && this.log[0]!.at <= now - WINDOW_MS - CLOCK_MARGIN_MS) this.log.shift();
    let at = 0;
    if (this.limits.rpm && this.log.length >= this.limits.rpm) at = this.log[this.log.length - this.limits.rpm]!.at + WINDOW_MS + CLOCK_MARGIN_MS;
    if (this.limits.tpm) {
      // A single request above the whole limit can only ever go alone.
      let excess = this.log.reduce((sum, e) => sum + e.tokens, 0) + Math.min(tokens, this.limits.tpm) - this.limits.tpm;
      for (const entry of this.log) {
        if (excess <= 0) break;
        excess -= entry.tokens;
        at = Math.max(at, entry.at + WINDOW_MS + CLOCK_MARGIN_MS);
      }
    }
    return at;
  }

  private release(): void {
    this.inFlight--;
    this.wake();
  }

  /** Lets one waiter re-check for a slot (it waits again if a newcomer took it first). */
  private wake(): void {
    if (this.inFlight < this.concurrency) this.waiting.shift()?.();
  }
}

export interface RateLimitHeaders {
  readonly retryAfterMs?: number;
  readonly remainingRequests?: number;
  readonly remainingTokens?: number;
  readonly resetRequestsMs?: number;
  readonly resetTokensMs?: number;
}

/** `retry-after-ms`, `retry-after` (seconds or an HTTP date) and OpenAI's `x-ratelimit-*` headers. */
export function parseRateLimitHeaders(headers: Headers | undefined, now = Date.now()): RateLimitHeaders {
  if (!headers) return {};
  const number = (name: string) => {
    const v = headers.get(name);
    return v !== null && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
  };
  let retryAfterMs = number('retry-after-ms');
  const retryAfter = headers.get('retry-after');
  if (retryAfterMs === undefined && retryAfter !== null) {
    retryAfterMs = Number.isFinite(Number(retryAfter)) ? Number(retryAfter) * 1000 : Math.max(0, Date.parse(retryAfter) - now) || undefined;
  }
  const duration = (name: string) => {
    const v = headers.get(name);
    return v === null ? undefined : parseResetDuration(v);
  };
  const out: Record<string, number | undefined> = {
    retryAfterMs,
    remainingRequests: number('x-ratelimit-remaining-requests'),
    remainingTokens: number('x-ratelimit-remaining-tokens'),
    resetRequestsMs: duration('x-ratelimit-reset-requests'),
    resetTokensMs: duration('x-ratelimit-reset-tokens'),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as RateLimitHeaders;
}

/** OpenAI's reset format: `20ms`, `1s`, `6m0s`, `1h2m3.5s`. */
export function parseResetDuration(value: string): number | undefined {
  const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(value.trim());
  if (!match || value.trim() === '') return undefined;
  const [, h, m, s, ms] = match;
  return Number(h ?? 0) * 3_600_000 + Number(m ?? 0) * 60_000 + Number(s ?? 0) * 1000 + Number(ms ?? 0);
}
