import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextWriteVersion } from '../../src/writer/write-version.js';

describe('live write versions', () => {
  it('are microseconds of the wall clock, strictly increasing within a process, and exact as doubles', () => {
    const versions = Array.from({ length: 10_000 }, nextWriteVersion);
    for (let i = 1; i < versions.length; i++) assert.ok(versions[i]! > versions[i - 1]!, `version ${i} increases`);
    assert.ok(Math.abs(versions[0]! / 1000 - Date.now()) < 5_000, 'close to the wall clock');
    assert.ok(versions.every(Number.isSafeInteger));
  });
});
