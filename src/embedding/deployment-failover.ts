import type { OpenAIDeployment } from '../config/env.js';
import type { RateLimiter } from './rate-limiter.js';

/** Consecutive failures (5xx, timeouts, resets, malformed replies) after which a deployment rests. */
const FAILOVER_AFTER = 3;
const REST_MS = 30_000;

/** One deployment as this process uses it: its client, its shared limiter, its health. */
export interface DeploymentChannel {
  readonly deployment: OpenAIDeployment;
  readonly limiter: RateLimiter;
}

/**
 * Which deployment serves the next request: the first one not resting. A deployment that
 * fails FAILOVER_AFTER times in a row rests for REST_MS while the next one serves; with a
 * single deployment there is nowhere to go, so it never rests.
 */
export class DeploymentFailover {
  private readonly health = new Map<OpenAIDeployment, { failures: number; restUntil: number }>();
  private count = 0;

  constructor(private readonly channels: readonly DeploymentChannel[]) {}

  /** How many times a deployment was sent to rest. */
  get failovers(): number {
    return this.count;
  }

  /** The first deployment not resting; if all rest, the one that is back soonest. */
  pick(now: number): DeploymentChannel {
    const ready = this.channels.find((c) => (this.health.get(c.deployment)?.restUntil ?? 0) <= now);
    return ready ?? [...this.channels].sort((a, b) => this.health.get(a.deployment)!.restUntil - this.health.get(b.deployment)!.restUntil)[0]!;
  }

  succeeded(deployment: OpenAIDeployment): void {
    this.health.set(deployment, { failures: 0, restUntil: 0 });
  }

  failed(deployment: OpenAIDeployment, now: number): void {
    const h = this.health.get(deployment) ?? { failures: 0, restUntil: 0 };
    const failures = h.failures + 1;
    if (failures >= FAILOVER_AFTER && this.channels.length > 1) {
      this.health.set(deployment, { failures: 0, restUntil: now + REST_MS });
      this.count++;
    } else {
      this.health.set(deployment, { ...h, failures });
    }
  }
}
