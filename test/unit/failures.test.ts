import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fatal } from '../../src/activities/fatal.js';
import { ConfigError } from '../../src/config/env.js';
import { ActionRefusedError, CollectionNotFoundError, IndexBlockedError, ProviderConfigError, ReembedUsageError, UnknownSpecError } from '../../src/errors.js';
import { FAILURES, NON_RETRYABLE_ERROR_TYPES, failureKind } from '../../src/migration/failures.js';

describe('the failure catalog', () => {
  it('names each Temporal failure type once', () => {
    const types = Object.values(FAILURES).map((kind) => kind.type);
    assert.equal(new Set(types).size, types.length, types.join(', '));
  });

  it('makes every error class an activity throws as-is fail at once, not retry', () => {
    for (const type of [UnknownSpecError.type, CollectionNotFoundError.type, ProviderConfigError.type, IndexBlockedError.type]) {
      assert.ok(NON_RETRYABLE_ERROR_TYPES.includes(type), type);
    }
  });

  it('pauses the migration for a provider misconfiguration and a write block, and fails it for the rest', () => {
    assert.deepEqual(failureKind(ProviderConfigError.type)?.reaction, { pause: 'provider' });
    assert.deepEqual(failureKind(IndexBlockedError.type)?.reaction, { pause: 'elasticsearch' });
    assert.equal(failureKind('InsufficientDisk')?.reaction, 'fail');
    assert.equal(failureKind('SomethingReembedDoesNotName'), undefined);
  });

  it('gives the CLI its exit codes by error class name: 2 for a request that cannot work, 3 for a refusal', () => {
    const code = (error: Error) => failureKind(error.name)?.exitCode ?? 1;
    assert.equal(code(new ReembedUsageError('x')), 2);
    assert.equal(code(new ConfigError('x')), 2);
    assert.equal(code(new UnknownSpecError('nope', ['a'], 'specs.json')), 2);
    assert.equal(code(new CollectionNotFoundError('c')), 2);
    assert.equal(code(new ActionRefusedError('approveCutover', 'c', 'wrong phase')), 3);
    assert.equal(code(new ProviderConfigError('bad key')), 1);
    assert.equal(code(new Error('boom')), 1);
  });

  it('says what happened, then what to do next, under the catalog type', () => {
    const failure = fatal(FAILURES.insufficientDisk, 'The new index needs about 2 GB but Elasticsearch has 1 GB usable.');
    assert.equal(failure.type, 'InsufficientDisk');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /^The new index needs about 2 GB but Elasticsearch has 1 GB usable\. Free disk space or add a node, or start with force/);
  });
});
