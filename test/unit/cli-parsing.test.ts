import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { defineCommand } from '../../src/cli/command.js';
import type { CliContext } from '../../src/cli/context.js';
import { durationSchema, formatDuration } from '../../src/cli/duration.js';
import { readJsonl } from '../../src/cli/jsonl.js';

describe('durations', () => {
  it('parses the units operators use', () => {
    assert.equal(durationSchema.parse('0'), 0);
    assert.equal(durationSchema.parse('90s'), 90_000);
    assert.equal(durationSchema.parse('15m'), 900_000);
    assert.equal(durationSchema.parse('1.5h'), 5_400_000);
    assert.equal(durationSchema.parse('7d'), 604_800_000);
    assert.equal(formatDuration(604_800_000), '7d');
    assert.equal(formatDuration(10_000), '10s');
  });

  it('rejects anything else with an example', () => {
    for (const bad of ['7', '1w', '-1h', 'soon']) assert.throws(() => durationSchema.parse(bad), /30s, 15m, 1h or 7d/);
  });
});

describe('ingest files (JSONL)', () => {
  it('reports bad lines with their line numbers and keeps the good ones', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'reembed-jsonl-')), 'docs.jsonl');
    writeFileSync(
      file,
      [
        '{"id": "a", "text": "first", "lang": "en"}',
        'not json',
        '{"id": 7, "text": "numeric id", "updatedAt": "2026-01-02T03:04:05Z"}',
        '',
        '{"id": "b", "text": "   "}',
        '{"text": "no id"}',
        '{"id": "c", "text": "last"}',
        JSON.stringify({ id: 'é'.repeat(256), text: 'an id of 512 bytes is the most Elasticsearch takes' }),
        JSON.stringify({ id: 'é'.repeat(257), text: 'an id of 514 bytes' }),
      ].join('\n'),
    );
    const entries = [];
    for await (const e of readJsonl(file)) entries.push(e);
    const good = entries.flatMap((e) => ('doc' in e ? [e] : []));
    const bad = entries.flatMap((e) => ('error' in e ? [e] : []));
    assert.deepEqual(
      good.map((e) => [e.line, e.doc.id]),
      [
        [1, 'a'],
        [3, '7'],
        [7, 'c'],
        [8, 'é'.repeat(256)],
      ],
    );
    assert.deepEqual(good[0]!.doc.metadata, { lang: 'en' });
    assert.equal(good[1]!.doc.updatedAt, '2026-01-02T03:04:05Z');
    assert.deepEqual(
      bad.map((e) => e.line),
      [2, 5, 6, 9],
    );
    assert.equal(bad[3]!.error, 'id: id is 514 bytes; Elasticsearch allows at most 512');
    assert.match(bad[0]!.error, /not JSON/);
    assert.match(bad[1]!.error, /text is empty/);
    assert.match(bad[2]!.error, /^id: /);
  });
});

describe('command arguments', () => {
  const seen: string[][] = [];
  const command = defineCommand({
    usage: 'reembed example <action> [name]',
    options: {},
    positionals: ['action', '[name]'],
    async run(_ctx, { positionals }) {
      seen.push(positionals);
    },
  });
  const ctx = {} as CliContext;

  it('accepts a trailing optional positional given or not, and refuses too few or too many', async () => {
    await command.run(ctx, ['list']);
    await command.run(ctx, ['retire', 'x']);
    assert.deepEqual(seen, [['list'], ['retire', 'x']]);
    await assert.rejects(command.run(ctx, []), /expected <action> \[name\], got none/);
    await assert.rejects(command.run(ctx, ['a', 'b', 'c']), /expected <action> \[name\], got a b c/);
  });
});
