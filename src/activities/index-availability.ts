import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import type { Config } from '../config/env.js';
import { activityInfo, heartbeat } from '@temporalio/activity';
import { IndexUnavailableError } from '../errors.js';
import type { MigrationIndexes } from '../migration/reports.js';
import { REGISTRY_INDEX } from '../registry/collection-registry.js';
import { redIndexes } from '../store/index-availability.js';
import { QUARANTINE_INDEX } from '../store/quarantine.js';

const POLL_MS = 2_000;

/**
 * Before a copy or a verification: every index it reads or writes has all its primaries. A red
 * one is waited for — REEMBED_RED_INDEX_WAIT_MS, a minute by default: a restarting node recovers
 * its primaries by itself — heartbeating the attempt's own progress, so a retry still resumes from
 * it; still red after the wait, the activity fails with IndexUnavailableError and the
 * migration pauses (`pausedBy: "elasticsearch"`) until someone brings the node back and resumes.
 */
export async function assertMigrationIndexesAvailable(deps: { es: Client; config: Pick<Config, 'elasticsearch'> }, input: MigrationIndexes): Promise<void> {
  const { es } = deps;
  const indexes = [input.sourceIndex, input.targetIndex, REGISTRY_INDEX, QUARANTINE_INDEX];
  const deadline = Date.now() + deps.config.elasticsearch.redIndexWaitMs;
  for (;;) {
    const lost = await redIndexes(es, indexes);
    if (lost.length === 0) return;
    if (Date.now() >= deadline) throw new IndexUnavailableError(lost);
    heartbeat(activityInfo().heartbeatDetails);
    await sleep(POLL_MS);
  }
}
