import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { cachedWorkflowBundle } from '../helpers/workflow-bundle.js';

/**
 * Histories recorded from real migrations and canary runs (REEMBED_RECORD_HISTORIES=test/fixtures/histories
 * npm test -- test/integration/migration-lifecycle.test.ts test/integration/paid-api.test.ts test/integration/canary.test.ts)
 * must replay against the current workflow code: a change that would break running
 * migrations fails here.
 */
const dir = new URL('../fixtures/histories/', import.meta.url);
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('replay of recorded workflow histories', () => {
  it('has recorded histories to replay', () => {
    assert.ok(fixtures.length >= 5, `found ${fixtures.join(', ')}`);
  });

  for (const file of fixtures) {
    it(`replays ${file} deterministically`, async () => {
      const history = historyFromJSON(JSON.parse(readFileSync(new URL(file, dir), 'utf8')));
      assert.ok((history.events?.length ?? 0) > 10);
      await Worker.runReplayHistory({ workflowBundle: await cachedWorkflowBundle() }, history, file);
    });
  }
});
